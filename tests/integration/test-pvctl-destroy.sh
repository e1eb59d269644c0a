#!/usr/bin/env bash
# `pvctl destroy` removes a guest wherever it runs (a spinner on the other
# CPU, a hello guest blocked): `list` no longer shows them, and `info`
# reports exactly the free memory it did before they were created.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --exec "pvctl info; pvctl create /guests/hello.cfg; pvctl create /guests/spin.cfg cpus=1; sleep 2; pvctl info; pvctl destroy spin; pvctl destroy hello; pvctl list; pvctl info"
expect_dom0_poweroff
expect_no_line 'error:'
expect_in_order '^dom0# pvctl destroy hello$' '^dom0# pvctl list$' '^Domain-0 ' '^dom0# pvctl info$'
# After the destroys, list shows Dom0 alone.
after=$(awk '$0 == "dom0# pvctl list" { on = 1; next } on && /^dom0# / { exit } on' "$TRANSCRIPT")
if grep -qE '^(hello|spin) ' <<<"$after"; then fail "a destroyed guest is still listed: $after"; fi

mapfile -t free < <(grep -E '^free_pages +: ' "$TRANSCRIPT")
[ "${#free[@]}" -eq 3 ] || fail "expected three 'free_pages' lines from pvctl info, got ${#free[@]}"
echo "$TEST_NAME: ${free[0]} / ${free[1]} / ${free[2]}"
[ "${free[0]}" = "${free[2]}" ] || fail "free memory not back: '${free[0]}' before, '${free[2]}' after"
[ "${free[0]}" != "${free[1]}" ] || fail "creating two guests did not change the free memory"
pass
