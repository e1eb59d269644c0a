#!/usr/bin/env bash
# --dom0 with a file that is no PV kernel (a text file): the hypervisor
# refuses it with the reason, reports FAIL, and scripts/run fails.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --dom0 "$PARAVANE_ROOT/boot/multiboot/boot-check.module" -- test-exit
expect_status 1
expect_in_order \
  "${LOG}paravane: boot complete$" \
  "${LOG}dom0: cannot boot module 0: not an ELF file$" \
  '^paravane: verdict FAIL$'
expect_no_line '^dom0# '
expect_no_line 'PANIC'
pass
