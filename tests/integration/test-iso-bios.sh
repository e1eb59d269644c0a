#!/usr/bin/env bash
# The GRUB ISO under SeaBIOS: multiboot2, with the boot module and its own
# command line.
source "$(dirname "$0")/lib.sh"

boot --timeout "$QEMU_TIMEOUT" -- test-exit
expect_clean_pass
expect_line "${LOG}boot: multiboot2 from 'GRUB [^']*', command line 'console=com1 test-exit'$"
expect_line "${LOG}modules: 1$"
expect_line "${LOG}module 0: 0x[0-9a-f]+-0x[0-9a-f]+ \([0-9]+ bytes\) 'boot-check module-arg=1'$"
pass
