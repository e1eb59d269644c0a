#!/usr/bin/env bash
# QEMU's -kernel loads the ELF32 image through multiboot1, and the boot
# modules through -initrd. Multiboot1 command lines start with the file name;
# the hypervisor drops it (as Xen does for loaders other than GRUB 2), so
# Dom0 sees the same command line as from the ISO.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --exec poweroff
expect_clean_pass
expect_line "${LOG}boot: multiboot1 from 'qemu', command line '.*paravane console=com1 test-exit'$"
expect_line "${LOG}memory: [0-9]+ MiB usable"
expect_line "${LOG}modules: 2$"
expect_line "${LOG}module 0: .* '[^ ']*/minios-dom0 dom0'$"
expect_line "${LOG}module 1: .* '[^ ']*/guests.cpio guests'$"
expect_line "^minios: command line 'dom0'$"
expect_dom0_poweroff
pass
