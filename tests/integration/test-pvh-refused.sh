#!/usr/bin/env bash
# Without hardware virtualization (QEMU -cpu max,-svm): `pvctl info` offers
# PV only, `type = "pvh"` is refused with a message that says why and
# nothing is created, and hello.cfg (`type = "auto"`) runs as PV.
# scripts/run fails the run because a command failed; Dom0 still powers off.
source "$(dirname "$0")/lib.sh"

boot --kernel --cpu pv --timeout "$QEMU_TIMEOUT" --attach-seconds 3 \
  --exec "pvctl info; pvctl create /guests/hello-pvh.cfg; pvctl list; pvctl create /guests/hello.cfg -c; pvctl list -l"
expect_status 1
expect_line '^paravane: verdict PASS$'
expect_line '^dom0: powering off$'
expect_in_order \
  '^dom0# pvctl info$' \
  '^hardware containers *: none' \
  '^modes +: pv$' \
  '^dom0# pvctl create /guests/hello-pvh\.cfg$' \
  'error: .*(hardware container|SVM|VMX)' \
  '^dom0# pvctl list$' \
  '^dom0# pvctl create /guests/hello\.cfg -c$' \
  '^hello from hello$' \
  '^hello: heartbeat 1$' \
  '^dom0# pvctl list -l$' \
  '^hello +[0-9]+ .* pv( |$)'
# The refused domain never existed.
between=$(awk '$0 == "dom0# pvctl list" { on = 1; next } on && /^dom0# / { exit } on' "$TRANSCRIPT")
if grep -qE '^hello-pvh ' <<<"$between"; then fail "the refused PVH domain is listed"; fi
expect_no_line "created 'hello-pvh'"
pass
