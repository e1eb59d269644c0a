#!/usr/bin/env bash
# Bochs' corei7_skylake_x (Intel VMX with EPT and unrestricted guest): the
# same hello-pvh guest runs as PVH in a VMX container.
source "$(dirname "$0")/lib.sh"

boot --cpu vmx --timeout "$BOCHS_TIMEOUT" --attach-seconds 6 \
  --exec "pvctl info; pvctl create /guests/hello-pvh.cfg -c; pvctl list -l"
expect_dom0_poweroff
expect_in_order \
  '^hardware containers *: Intel VMX' \
  '^modes +: pv, pvh$' \
  '^dom0# pvctl create /guests/hello-pvh\.cfg -c$' \
  '^hello from hello-pvh$' \
  '^hello-pvh: heartbeat 1$' \
  '^dom0# pvctl list -l$' \
  '^hello-pvh +[0-9]+ .* pvh( |$)'
expect_no_line 'error:'
expect_no_line 'crashed'
pass
