#!/usr/bin/env bash
# A PVH guest cannot reach what is not its own. Hypercall buffers in the
# hypervisor's range, at non-canonical or unmapped addresses, or at mapped
# addresses with no RAM behind them all get -EFAULT. A read where the
# domain has no RAM (a nested-page fault) crashes that domain, with its
# registers in the log, and nothing else: the other guest's heartbeat goes
# on and Dom0 powers off as usual.
source "$(dirname "$0")/lib.sh"

boot --kernel --cpu svm --timeout "$QEMU_TIMEOUT" --attach-seconds 2 \
  --exec "pvctl create /guests/hello-pvh.cfg name=hostile cmdline=probe-hostile; pvctl create /guests/hello-pvh.cfg name=npf cmdline=touch-missing-ram; sleep 3; pvctl list -l; pvctl console hostile"
expect_dom0_poweroff
for where in hypervisor noncanonical unmapped no-ram; do
  for call in xen_version hvm_op; do
    expect_line "^hostile: hostile $call $where: -14 \\(EFAULT\\)$"
  done
done
expect_in_order \
  "${LOG_AFTER_PROMPT}d[0-9]+v0: nested page fault at guest-physical 0xc0000000" \
  "${LOG}d[0-9]+v0: rip 0x[0-9a-f]+ rsp 0x[0-9a-f]+" \
  "${LOG}d[0-9]+v0: cr0 0x[0-9a-f]+ cr3 0x[0-9a-f]+" \
  "${LOG}d[0-9]+: crashed: nested page fault" \
  'npf \(d[0-9]+\) crashed: destroyed'
expect_no_line '^npf: read '
listing=$(awk '$0 == "dom0# pvctl list -l" { on = 1; next } on && /^dom0# / { exit } on' "$TRANSCRIPT")
grep -qE '^hostile +[0-9]+ .* pvh( |$)' <<<"$listing" || fail "the other PVH guest is gone"
if grep -qE '^npf ' <<<"$listing"; then fail "the crashed guest is still listed"; fi
last=$(awk '$1 == "hostile:" && $2 == "heartbeat" { n = $3 } END { print n + 0 }' "$TRANSCRIPT")
[ "$last" -ge 3 ] || fail "the other guest stopped at heartbeat $last"
pass
