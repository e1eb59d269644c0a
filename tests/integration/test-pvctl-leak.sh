#!/usr/bin/env bash
# 100 create/destroy cycles leave no frame behind: the free memory `info`
# reports at the end is what it was at the start.
source "$(dirname "$0")/lib.sh"

commands="pvctl info"
for ((i = 0; i < 100; i++)); do
  commands+="; pvctl create /guests/hello.cfg; pvctl destroy hello"
done
commands+="; pvctl list; pvctl info"
boot --kernel --timeout 600 --exec "$commands"
expect_dom0_poweroff
expect_no_line 'error:'
[ "$(count_lines 'hello \(d[0-9]+\) created')" -eq 100 ] || fail "not 100 creates"
mapfile -t free < <(grep -E '^free_pages +: ' "$TRANSCRIPT")
[ "${#free[@]}" -eq 2 ] || fail "expected two 'free_pages' lines, got ${#free[@]}"
echo "$TEST_NAME: ${free[0]} / ${free[1]}"
[ "${free[0]}" = "${free[1]}" ] || fail "frames leaked: '${free[0]}' before, '${free[1]}' after"
pass
