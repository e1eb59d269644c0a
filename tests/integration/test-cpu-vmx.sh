#!/usr/bin/env bash
# Bochs' corei7_skylake_x offers Intel VMX with EPT and unrestricted guest.
source "$(dirname "$0")/lib.sh"

boot --cpu vmx --timeout "$BOCHS_TIMEOUT" -- test-exit
expect_clean_pass
expect_line "${LOG}virtualization: Intel VMX with EPT, unrestricted guest"
expect_line "${LOG}boot: multiboot2 from 'GRUB "
pass
