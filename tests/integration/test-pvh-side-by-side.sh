#!/usr/bin/env bash
# PV and PVH guests share one CPU under the credit scheduler: a PVH guest
# that never blocks (spin) cannot starve a PV guest's heartbeat, and a PVH
# heartbeat goes on beside a PV spinner. The timer's interrupt ends a
# container's run like any other.
source "$(dirname "$0")/lib.sh"

boot --kernel --cpu svm --smp 1 --timeout "$QEMU_TIMEOUT" --attach-seconds 2 \
  --exec "pvctl create /guests/spin.cfg name=pvh-spin type=pvh; pvctl create /guests/hello.cfg name=pv-hello type=pv; pvctl create /guests/spin.cfg name=pv-spin type=pv; pvctl create /guests/hello-pvh.cfg name=pvh-hello; sleep 6; pvctl list -l; pvctl console pv-hello; pvctl console pvh-hello"
expect_dom0_poweroff
expect_no_line 'error:'
expect_no_line 'crashed'
listing=$(awk '$0 == "dom0# pvctl list -l" { on = 1; next } on && /^dom0# / { exit } on' "$TRANSCRIPT")
for guest in 'pvh-spin .* pvh' 'pv-hello .* pv' 'pv-spin .* pv' 'pvh-hello .* pvh'; do
  grep -qE "^$guest( |\$)" <<<"$listing" || fail "pvctl list -l lacks: $guest"
done
for guest in pv-hello pvh-hello; do
  last=$(awk -v g="$guest" '$1 == g":" && $2 == "heartbeat" { n = $3 } END { print n + 0 }' "$TRANSCRIPT")
  [ "$last" -ge 4 ] || fail "$guest reached only heartbeat $last beside the spinners"
done
pass
