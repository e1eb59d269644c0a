#!/usr/bin/env bash
# minios-test as Dom0 with `strict` (a skipped check is a failure): every
# self-test group runs in order — start of day, hypercalls, traps, user
# mode, time, the PV MMU (own page tables, hostile updates with Xen's
# errnos, writable page tables, M2P, memory_op) and events (ports, upcalls,
# timers, poll/block, two vCPUs) — and the guest reports PASS and powers off.
# The same image passes under Xen 4.17 (scripts/lib/xen-dom0-check --dom0).
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --dom0 "$IMAGES/minios-test" --dom0-args strict -- test-exit
expect_status 0
expect_line "^minios: command line 'strict'$"
expect_no_line '^minios-test: (FAIL|SKIP)'
expect_no_line '^minios: (panic|unhandled exception|failsafe)'
expect_in_order \
  "${LOG}dom0: " \
  '^minios-test: Paravane minios .* self-test$' \
  '^minios-test: group boot$' \
  '^minios-test: group hypercalls$' \
  '^minios-test: group traps$' \
  '^minios-test: group user$' \
  '^minios-test: group time$' \
  '^minios-test: ok pvclock: system time monotonic' \
  '^minios-test: ok wallclock: year plausible' \
  '^minios-test: group pv-mmu$' \
  '^minios-test: ok M2P\[p2m\[pfn\]\] == pfn for every page$' \
  '^minios-test: ok mmu_update: L1 entry writable to our L4 \(-EBUSY\)$' \
  '^minios-test: ok mmu_update: L4 slot 256 \(hypervisor\) \(-EINVAL\)$' \
  '^minios-test: ok mmu_update batch: \*done is 1$' \
  '^minios-test: ok cmpxchg failure: ZF clear, rax = current entry, entry unchanged$' \
  '^minios-test: ok it exited through the syscall with its argument$' \
  '^minios-test: ok memory_op populate_physmap of the pfn$' \
  '^minios-test: group events$' \
  '^minios-test: ok ping-pong: each send raises the other end only$' \
  '^minios-test: ok VIRQ_TIMER not before the deadline \(pvclock\)$' \
  '^minios-test: ok poll returned after its timeout$' \
  '^minios-test: ok block returned at once and the event was delivered$' \
  '^minios-test: ok ping-pong between vCPU 0 and vCPU 1$' \
  '^minios-test: PASS \([0-9]+ checks, 0 skipped\)$' \
  "${LOG}d0: shut down \(poweroff\)$" \
  '^paravane: verdict PASS$'
expect_no_line 'PANIC'
pass
