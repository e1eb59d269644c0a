#!/usr/bin/env bash
# --dom0 boots another PV kernel as Dom0, as Xen's first module: minios-test
# checks the hypercalls, traps and user mode it relies on, prints its verdict
# and powers off on PASS (crashes itself on FAIL).
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --dom0 "$IMAGES/minios-test" -- test-exit
expect_status 0
expect_line "${LOG}module 0: .* '[^ ']*/minios-test'$"
expect_no_line '^minios-test: FAIL'
expect_in_order \
  "${LOG}dom0: " \
  '^minios-test: Paravane minios .* self-test$' \
  '^minios-test: PASS \([0-9]+ checks, [0-9]+ skipped\)$' \
  "${LOG}d0: shut down \(poweroff\)$" \
  '^paravane: verdict PASS$'
expect_no_line 'PANIC'
pass
