#!/usr/bin/env bash
# The benchmark measures what it says: minios-bench, booted as Dom0 with a
# few rounds, reports how many times it made each operation (`bench:
# performed op=NAME count=N`, warm-up included), and the hypervisor, with
# counters-at-exit, logs what Dom0 made it do when Dom0 powers off (`d0
# counters: ...`, core/domain/counters_report.hpp). Each operation must show
# up in the counter it exercises, at least as often as the guest made it and
# at most SLACK more:
#
#   null_hypercall + copy_hypercall  hypercall 17 (xen_version)
#   forced_cpuid                     #UD taken, handled (emulated), none bounced
#   read_cr0                         #GP taken, handled (emulated), none bounced
#   page_fault                       #PF bounced to the guest's handler
#   user_syscall                     SYSCALLs bounced to the guest kernel
#   evtchn_self_send                 EVTCHNOP_send requests, and as many upcalls
#   page_fault + user_syscall + evtchn_self_send   hypercall 23 (iret): each
#                                    bounce returns through it
#
# SLACK: minios makes a few of these outside the timed loops (xen_version
# twice for its banner; iret after any other bounce). With ROUNDS per
# operation far above SLACK, an operation that stopped reaching the
# hypervisor (an op that no longer traps or calls) leaves its counter short
# by ROUNDS and fails the test, as does one counted twice.
source "$(dirname "$0")/lib.sh"

readonly BATCHES=2 ITERS=100
readonly ROUNDS=$(((BATCHES + 1) * ITERS)) # recorded batches plus the warm-up batch
readonly SLACK=16

boot --kernel --smp 1 --timeout "$QEMU_TIMEOUT" --dom0 "$IMAGES/minios-bench" \
  --dom0-args "quiet batches=$BATCHES iters=$ITERS" -- test-exit counters-at-exit
expect_status 0
expect_no_line '^bench: (FAIL|skip)'
expect_in_order \
  '^bench: minios-bench .* batches=2 iters=100 rounds=200$' \
  '^bench: done$' \
  "${LOG}d0: shut down \(poweroff\)$" \
  "${LOG}d0 counters: hypercalls=[0-9]+ " \
  "${LOG}paravane: dom0 shut down; stopping the machine$" \
  '^paravane: verdict PASS$'
expect_no_line 'PANIC'

# performed OP: the guest's count for OP (fails if it has none).
performed() {
  local n
  n=$(sed -nE "s/^bench: performed op=$1 count=([0-9]+)$/\1/p" "$TRANSCRIPT")
  [[ $n =~ ^[0-9]+$ ]] || fail "the bench guest reported no count for $1"
  echo "$n"
}

# counter REGEX FIELD: FIELD's value on the hypervisor's `d0 counters:` line
# that matches REGEX (0 when no line matches: nothing was counted).
counter() {
  local line n
  line=$(grep -m1 -E "${LOG}d0 counters: $1( |$)" "$TRANSCRIPT" || true)
  [ -n "$line" ] || { echo 0; return; }
  n=$(sed -nE "s/.* $2=([0-9]+)( .*)?$/\1/p" <<<"$line")
  [[ $n =~ ^[0-9]+$ ]] || fail "no $2= in the counters line: $line"
  echo "$n"
}

# within WHAT HYPERVISOR GUEST: GUEST <= HYPERVISOR <= GUEST + SLACK.
within() {
  echo "$TEST_NAME: $1: hypervisor $2, guest $3"
  [ "$2" -ge "$3" ] || fail "$1: the hypervisor counted $2, fewer than the $3 the guest made"
  [ "$2" -le $(($3 + SLACK)) ] || fail "$1: the hypervisor counted $2, more than the guest's $3 + $SLACK"
}

# The guest ran every operation as often as its command line says.
for op in null_hypercall copy_hypercall forced_cpuid read_cr0 page_fault evtchn_self_send; do
  [ "$(performed $op)" -eq "$ROUNDS" ] || fail "$op: the guest made $(performed $op) operations, not $ROUNDS"
done
# Each user process: ITERS timed system calls and its exit.
[ "$(performed user_syscall)" -eq $(((BATCHES + 1) * (ITERS + 1))) ] ||
  fail "user_syscall: the guest made $(performed user_syscall) system calls"

within "xen_version (null_hypercall + copy_hypercall)" \
  "$(counter 'hypercall=17' count)" $(($(performed null_hypercall) + $(performed copy_hypercall)))
within "#UD handled (forced_cpuid)" "$(counter 'vector=6' handled)" "$(performed forced_cpuid)"
[ "$(counter 'vector=6' bounced)" -eq 0 ] || fail "#UD: some forced CPUIDs went to the guest's handler"
within "#GP handled (read_cr0)" "$(counter 'vector=13' handled)" "$(performed read_cr0)"
[ "$(counter 'vector=13' bounced)" -eq 0 ] || fail "#GP: some CR0 reads went to the guest's handler"
within "#PF bounced (page_fault)" "$(counter 'vector=14' bounced)" "$(performed page_fault)"
within "syscalls bounced (user_syscall)" "$(counter 'hypercalls=[0-9]+' syscalls)" "$(performed user_syscall)"
within "EVTCHNOP_send (evtchn_self_send)" "$(counter 'hypercalls=[0-9]+' event_sends)" "$(performed evtchn_self_send)"
within "event upcalls (evtchn_self_send)" "$(counter 'hypercalls=[0-9]+' upcalls)" "$(performed evtchn_self_send)"
within "iret (page_fault + user_syscall + evtchn_self_send)" "$(counter 'hypercall=23' count)" \
  $(($(performed page_fault) + $(performed user_syscall) + $(performed evtchn_self_send)))
pass
