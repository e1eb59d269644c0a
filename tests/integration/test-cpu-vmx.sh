#!/usr/bin/env bash
# Bochs' corei7_skylake_x offers Intel VMX with EPT and unrestricted guest.
# Dom0 boots to its prompt there too; --exec types into it through Bochs'
# serial port (a TCP connection to scripts/lib/serial-relay).
source "$(dirname "$0")/lib.sh"

boot --cpu vmx --timeout "$BOCHS_TIMEOUT" --exec poweroff
expect_clean_pass
expect_line "${LOG}virtualization: Intel VMX with EPT, unrestricted guest"
expect_line "${LOG}boot: multiboot2 from 'GRUB "
expect_dom0_poweroff
pass
