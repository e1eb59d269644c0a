# shellcheck shell=bash
# Sourced by scripts/bench: the rows `pvctl bench-events` gives (an event
# ping-pong between Dom0 and a minios-bench DomU on one CPU and across
# CPUs, a yield between the two domains), timed in Dom0 with the
# hypervisor's system time (clock=ns). One Dom0 boot (scripts/run --exec,
# 2 CPUs, -cpu max so that the DomU can also run as PVH in SVM) runs the
# verb for a PV DomU and, unless --pv-only, for a PVH one (type=pvh).
# A run without every `bench: events done` is recorded in EVENTS_PROBLEM,
# not fatal. Uses scripts/bench's QUICK, PVH, TIMEOUT, EVENTS_TRANSCRIPT.

# Timed round trips per run: 1000, 200 with --quick.
events_rounds() {
  if [ "$QUICK" = 1 ]; then echo 200; else echo 1000; fi
}

run_events() {
  local status=0 n peer=/guests/bench-peer.cfg commands expected=3 type
  n=$(events_rounds)
  commands="pvctl bench-events $peer -n $n --cpu same; pvctl bench-events $peer -n $n --cpu other; pvctl bench-events $peer -n $n --yield"
  if [ "$PVH" = 1 ]; then
    type=type=pvh
    commands+="; pvctl bench-events $peer -n $n --cpu same $type; pvctl bench-events $peer -n $n --cpu other $type; pvctl bench-events $peer -n $n --yield $type"
    expected=6
  fi
  image_path minios-dom0 >/dev/null
  image_path guests.cpio >/dev/null
  say "events: QEMU TCG -cpu max, minios-dom0 + guests.cpio, 2 CPUs: pvctl bench-events x $expected (N=$n), at most ${TIMEOUT}s"
  PARAVANE_NO_BUILD=1 "$PARAVANE_ROOT/scripts/run" --kernel --smp 2 --mem 512 --cpu svm \
    --timeout "$TIMEOUT" --exec "$commands" </dev/null >"$EVENTS_TRANSCRIPT" 2>&1 || status=$?
  local done_count
  done_count=$(grep -ac '^bench: events done' "$EVENTS_TRANSCRIPT" || true)
  [ "$done_count" -lt "$expected" ] || return 0
  EVENTS_PROBLEM="$done_count of $expected bench-events runs finished (scripts/run status $status; see events-transcript.log)"
  grep -a 'error: bench-events' "$EVENTS_TRANSCRIPT" | tr -d '\r' >&2 || true
  say "events: $EVENTS_PROBLEM"
}

# With --vs-xen: the events rows have no Xen figure (see README).
events_xen_note() {
  [ -f "$EVENTS_TRANSCRIPT" ] || return 0
  local op
  for op in $(grep -a '^bench: op=' "$EVENTS_TRANSCRIPT" | tr -d '\r' | sed -E 's/^bench: op=([^ ]+).*/\1/' | sort -u); do
    printf '%-26s %-12s %12s %12s %16s\n' "$op" ns "see table" n/a n/a
  done
  echo "$XEN_LABEL: n/a for the bench-events rows: Xen needs its own toolstack (xl) to create the DomU; this run boots minios-bench alone as Xen's Dom0"
}
