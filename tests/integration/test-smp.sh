#!/usr/bin/env bash
# Every CPU in the ACPI MADT comes online (INIT-SIPI-SIPI).
source "$(dirname "$0")/lib.sh"

boot --kernel --no-modules --smp 4 --timeout "$QEMU_TIMEOUT" -- test-exit
expect_clean_pass
expect_line "${LOG}smp: 4 of 4 CPUs online"
pass
