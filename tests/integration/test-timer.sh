#!/usr/bin/env bash
# test-timer: the local APIC timer delivers the expected number of ticks over
# an interval measured against the system time.
source "$(dirname "$0")/lib.sh"

boot --kernel --no-modules --timeout "$QEMU_TIMEOUT" -- test-exit test-timer
expect_clean_pass
expect_line "${LOG}timer: [0-9]+ ticks in [0-9]+ ms"
pass
