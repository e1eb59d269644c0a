#!/usr/bin/env bash
# The GRUB ISO under SeaBIOS: multiboot2, with the two boot modules and their
# own command lines (GRUB passes no file name). Module 0 becomes Dom0 with
# module 0's command line; module 1 is Dom0's initrd (guests.cpio, a newc cpio
# archive), which `info` shows.
source "$(dirname "$0")/lib.sh"

boot --timeout "$QEMU_TIMEOUT" --exec info
expect_clean_pass
expect_line "${LOG}boot: multiboot2 from 'GRUB [^']*', command line 'console=com1 test-exit'$"
expect_line "${LOG}modules: 2$"
expect_line "${LOG}module 0: 0x[0-9a-f]+-0x[0-9a-f]+ \([0-9]+ bytes\) 'dom0'$"
expect_line "${LOG}module 1: 0x[0-9a-f]+-0x[0-9a-f]+ \([0-9]+ bytes\) 'guests'$"
expect_line "^minios: command line 'dom0'$"
expect_in_order '^dom0# info$' '^module: [0-9]+ bytes at 0x[0-9a-f]+: (cpio archive|"070701)'
expect_dom0_poweroff
pass
