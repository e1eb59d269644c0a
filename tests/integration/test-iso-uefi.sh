#!/usr/bin/env bash
# The same ISO under OVMF: GRUB's EFI build hands over through multiboot2,
# and Dom0 boots from module 0.
source "$(dirname "$0")/lib.sh"

boot --uefi --timeout "$UEFI_TIMEOUT" --exec poweroff
expect_clean_pass
expect_line "${LOG}boot: multiboot2 from 'GRUB [^']*', command line 'console=com1 test-exit'$"
expect_line "${LOG}module 0: .* 'dom0'$"
expect_line "${LOG}module 1: .* 'guests'$"
expect_dom0_poweroff
pass
