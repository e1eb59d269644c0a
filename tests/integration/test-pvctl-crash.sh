#!/usr/bin/env bash
# A DomU that crashes is stopped by the hypervisor (its registers logged)
# and removed by the toolstack as its on_crash = "destroy" says; another
# guest and Dom0 go on unharmed.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --attach-seconds 2 --exec "pvctl create /guests/hello.cfg name=survivor; pvctl create /guests/crash.cfg; sleep 6; pvctl list; pvctl console survivor"
expect_dom0_poweroff
expect_no_line 'error:'
expect_line "${LOG}d[0-9]+v0: crashed: "
expect_line 'crash \(d[0-9]+\) crashed: destroyed'
after=$(awk '$0 == "dom0# pvctl list" { on = 1; next } on && /^dom0# / { exit } on' "$TRANSCRIPT")
if grep -qE '^crash ' <<<"$after"; then fail "the crashed guest is still listed"; fi
grep -qE '^survivor +[0-9]+ ' <<<"$after" || fail "the other guest is gone"
# The survivor's heartbeat goes on after the crash (6 s later: 6 or more).
last=$(awk '/^survivor: heartbeat [0-9]+$/ { n = $3 } END { print n + 0 }' "$TRANSCRIPT")
[ "$last" -ge 6 ] || fail "the other guest stopped at heartbeat $last"
pass
