#!/usr/bin/env bash
# The credit scheduler shares a CPU by weight: two spinners with weights 256
# and 512 on a one-CPU machine get CPU time 1:2 (within 10%), as `pvctl list`
# reports it. sched-credit shows the weights it was given. (One CPU: as in
# Xen's credit1, weights divide the whole machine's credit, so two vCPUs
# pinned to one CPU of an otherwise idle machine both earn more than that
# CPU can give and share it evenly.)
source "$(dirname "$0")/lib.sh"

boot --kernel --smp 1 --timeout "$QEMU_TIMEOUT" --exec "pvctl create /guests/spin.cfg name=light weight=256; pvctl create /guests/spin.cfg name=heavy weight=512; sleep 12; pvctl list; pvctl sched-credit"
expect_dom0_poweroff
expect_no_line 'error:'
expect_line '^light +[0-9]+ +256 +0'
expect_line '^heavy +[0-9]+ +512 +0'

listing=$(awk '$0 == "dom0# pvctl list" { on = 1; next } on && /^dom0# / { exit } on' "$TRANSCRIPT")
light=$(awk '$1 == "light" { print $NF }' <<<"$listing")
heavy=$(awk '$1 == "heavy" { print $NF }' <<<"$listing")
echo "$TEST_NAME: CPU time light $light s, heavy $heavy s"
[ -n "$light" ] && [ -n "$heavy" ] || fail "list does not show both spinners"
awk -v l="$light" -v h="$heavy" 'BEGIN { r = h / l; exit !(l > 1 && r >= 1.8 && r <= 2.2) }' ||
  fail "CPU time heavy:light = $heavy:$light, not 2:1 within 10%"
pass
