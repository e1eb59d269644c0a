#!/usr/bin/env bash
# On QEMU's -cpu max (AMD SVM with nested paging) `pvctl info` offers PVH,
# and /guests/hello-pvh.cfg runs as a PVH DomU in a hardware container: it
# prints through its console ring and keeps its heartbeat, which needs the
# singleshot timer and event upcalls injected as its callback vector.
source "$(dirname "$0")/lib.sh"

boot --kernel --cpu svm --timeout "$QEMU_TIMEOUT" --attach-seconds 4 \
  --exec "pvctl info; pvctl create /guests/hello-pvh.cfg -c; pvctl list -l"
expect_dom0_poweroff
expect_in_order \
  '^dom0# pvctl info$' \
  '^hardware containers *: AMD SVM with NPT' \
  '^modes +: pv, pvh$' \
  '^dom0# pvctl create /guests/hello-pvh\.cfg -c$' \
  'hello-pvh \(d[0-9]+\) created' \
  '^hello from hello-pvh$' \
  '^hello-pvh: heartbeat 1$' \
  '^hello-pvh: heartbeat 2$' \
  '^dom0# pvctl list -l$' \
  '^hello-pvh +[0-9]+ .* pvh( |$)' \
  '^dom0# poweroff$'
expect_line "${LOG}d[0-9]+: created 'hello-pvh' \(PVH, 1 vCPU"
expect_no_line 'error:'
expect_no_line 'crashed'
pass
