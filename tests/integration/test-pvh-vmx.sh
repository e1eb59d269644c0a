#!/usr/bin/env bash
# Bochs' corei7_skylake_x (Intel VMX with EPT and unrestricted guest): the
# PVH suite of the SVM tests on VMX, in one boot. hello-pvh runs as PVH with
# its console and heartbeat; hostile hypercall pointers get -EFAULT; a read
# where a domain has no RAM (an EPT violation) crashes that domain only; a
# PV guest runs beside the PVH ones under the credit scheduler.
source "$(dirname "$0")/lib.sh"

boot --cpu vmx --timeout "$BOCHS_TIMEOUT" --attach-seconds 6 \
  --exec "pvctl info; pvctl create /guests/hello-pvh.cfg -c; pvctl create /guests/hello-pvh.cfg name=hostile cmdline=probe-hostile; pvctl create /guests/hello.cfg name=pv-hello type=pv; pvctl create /guests/hello-pvh.cfg name=npf cmdline=touch-missing-ram; sleep 3; pvctl list -l; pvctl console pv-hello; pvctl console hostile"
expect_dom0_poweroff
expect_in_order \
  '^hardware containers *: Intel VMX' \
  '^modes +: pv, pvh$' \
  '^dom0# pvctl create /guests/hello-pvh\.cfg -c$' \
  '^hello from hello-pvh$' \
  '^hello-pvh: heartbeat 1$' \
  '^dom0# pvctl list -l$' \
  '^hello-pvh +[0-9]+ .* pvh( |$)'
for where in hypervisor noncanonical unmapped no-ram; do
  for call in xen_version hvm_op; do
    expect_line "^hostile: hostile $call $where: -14 \\(EFAULT\\)$"
  done
done
expect_line "${LOG_AFTER_PROMPT}d[0-9]+v0: nested page fault at guest-physical 0xc0000000"
expect_line 'npf \(d[0-9]+\) crashed: destroyed'
listing=$(awk '$0 == "dom0# pvctl list -l" { on = 1; next } on && /^dom0# / { exit } on' "$TRANSCRIPT")
for guest in 'hello-pvh .* pvh' 'hostile .* pvh' 'pv-hello .* pv'; do
  grep -qE "^$guest( |\$)" <<<"$listing" || fail "pvctl list -l lacks: $guest"
done
if grep -qE '^npf ' <<<"$listing"; then fail "the crashed guest is still listed"; fi
last=$(awk '$1 == "pv-hello:" && $2 == "heartbeat" { n = $3 } END { print n + 0 }' "$TRANSCRIPT")
[ "$last" -ge 2 ] || fail "the PV guest reached only heartbeat $last beside the PVH ones"
expect_no_line 'error:'
pass
