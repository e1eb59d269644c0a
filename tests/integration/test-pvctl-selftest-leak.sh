#!/usr/bin/env bash
# A DomU that touches most of the PV ABI (minios' self-test: its own GDT, a
# registered vcpu_info, page-table pins, grants, event channels, timers, a
# user process) and then crashes leaves no frame behind once destroyed, and
# Dom0 and the hypervisor go on.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --exec "pvctl info; pvctl create /guests/selftest.cfg; sleep 15; pvctl list; pvctl info"
expect_dom0_poweroff
expect_no_line 'error:'
expect_line "${LOG}\\(d[0-9]+\\) .*|${LOG}d[0-9]+: created 'selftest'"
expect_line 'selftest \(d[0-9]+\) (crashed|powered off): destroyed'
expect_line "${LOG}d[0-9]+: destroyed$"
mapfile -t free < <(grep -E '^free_pages +: ' "$TRANSCRIPT")
[ "${#free[@]}" -eq 2 ] || fail "expected two 'free_pages' lines, got ${#free[@]}"
echo "$TEST_NAME: ${free[0]} / ${free[1]}"
[ "${free[0]}" = "${free[1]}" ] || fail "frames leaked: '${free[0]}' before, '${free[1]}' after"
pass
