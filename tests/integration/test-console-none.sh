#!/usr/bin/env bash
# console=none: the hypervisor goes silent once it has read its command line
# (only the first line, printed before that, reaches the serial port), yet
# test-exit still reports the verdict through QEMU's exit status.
source "$(dirname "$0")/lib.sh"

boot --kernel --no-modules --timeout "$QEMU_TIMEOUT" -- test-exit console=none
expect_status 0
expect_line "${LOG}Paravane .* hypervisor"
[ "$(count_lines "$LOG")" -eq 1 ] || fail "expected only the first log line on the serial port"
expect_no_line 'verdict'
expect_line '^run: PASS \(QEMU exit status 33\)$'
pass
