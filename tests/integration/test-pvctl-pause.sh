#!/usr/bin/env bash
# `pvctl pause` stops a guest: two looks at its console while it is paused
# end on the same heartbeat, and `list` says paused; after `unpause` its
# heartbeat goes on.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --attach-seconds 3 --exec "pvctl create /guests/hello.cfg; sleep 3; pvctl pause hello; pvctl list; pvctl console hello; pvctl console hello; pvctl unpause hello; sleep 3; pvctl console hello; pvctl list"
expect_dom0_poweroff
expect_no_line 'error:'
expect_line '^hello +[0-9]+ +8 +1 +[-rb]{2}p--- '

# The last heartbeat number shown by the Nth `pvctl console hello`.
last_heartbeat() {
  awk -v n="$1" '
    $0 == "dom0# pvctl console hello" { seen++; on = seen == n; next }
    /^dom0# / { on = 0 }
    on && /^hello: heartbeat [0-9]+$/ { last = $3 }
    END { print last + 0 }' "$TRANSCRIPT"
}
first=$(last_heartbeat 1) second=$(last_heartbeat 2) third=$(last_heartbeat 3)
echo "$TEST_NAME: last heartbeats while paused: $first, $second; after unpause: $third"
[ "$first" -ge 1 ] || fail "no heartbeat before the pause"
[ "$first" -eq "$second" ] || fail "the heartbeat went on while paused ($first, then $second)"
[ "$third" -gt "$second" ] || fail "no heartbeat after unpause ($second, then $third)"
pass
