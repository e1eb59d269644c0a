#!/usr/bin/env bash
# pvctl bench-events on a 2-CPU machine: an event ping-pong between Dom0 and
# a minios-bench DomU on one CPU and across CPUs, and a yield between the two
# domains, each with a small N. The bench lines are well-formed and numeric;
# the hypervisor's own counter of the DomU's event sends (read by the verb
# before it destroys the DomU) shows at least one send back per round trip
# Dom0 made, so a ping-pong that did not happen fails; the DomU is gone
# afterwards. Timings are not judged.
source "$(dirname "$0")/lib.sh"

N=40
PEER=/guests/bench-peer.cfg
boot --kernel --smp 2 --timeout "$QEMU_TIMEOUT" --exec \
  "pvctl bench-events $PEER -n $N --cpu same; pvctl bench-events $PEER -n $N --cpu other; pvctl bench-events $PEER -n $N --yield; pvctl list"
expect_dom0_poweroff

number='[0-9]+'
for op in evtchn_pingpong_same_cpu evtchn_pingpong_other_cpu yield_domain_switch; do
  expect_line "^bench: op=$op mode=pv clock=ns rounds=$N median=$number p1=$number p99=$number overhead=$number unit=ns( |$)"
done
expect_line '^bench: op=yield_domain_switch .* per=switch round_trip_median=[0-9]+$'
[ "$(count_lines '^bench: events done$')" = 3 ] || fail "not every run said 'bench: events done'"
expect_no_line '^error: bench-events: (no answer|poll|d[0-9]+ (stopped|did not))'

# Round trips Dom0 made (warm-up included) against the sends the hypervisor
# counted for the DomU: every one was answered by the DomU itself.
while read -r made sends; do
  [ "$made" -ge "$N" ] || fail "Dom0 made $made round trips, fewer than $N"
  [ "$sends" -ge "$made" ] || fail "the DomU made $sends event sends for $made round trips: no real ping-pong"
done < <(awk '
  /^bench: performed op=evtchn_pingpong / { for (i = 1; i <= NF; i++) if ($i ~ /^sends_by_dom0=/) { split($i, a, "="); made = a[2] } }
  /^bench: counters domain=/ && made != "" { for (i = 1; i <= NF; i++) if ($i ~ /^event_sends=/) { split($i, a, "="); print made, a[2] } made = "" }
' "$TRANSCRIPT")
[ "$(count_lines '^bench: counters domain=d[0-9]+ event_sends=[0-9]+ sched_ops=[0-9]+$')" -ge 2 ] ||
  fail "no counters line for the ping-pong DomUs"

# Nothing left: the list after the runs shows Dom0 only.
expect_in_order '^dom0# pvctl list$' '^Domain-0 ' '^dom0# poweroff$'
[ "$(awk '/^dom0# pvctl list$/ {on = 1; next} /^dom0# / {on = 0} on && /^bench-peer /' "$TRANSCRIPT")" = "" ] ||
  fail "a bench-peer domain is still there after bench-events"
pass
