#!/usr/bin/env bash
# pvctl counters reads a domain's counters through domctl getdomaincounters:
# Dom0's own show the hypercalls it made to get there (console output,
# domctls), and a DomU's what it made of its own (its console ring is
# announced by event sends), while both run. A PVH DomU's hypercalls (by
# vmmcall) are counted the same way.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --exec "pvctl counters 0; pvctl create /guests/hello.cfg type=pv -c; pvctl counters hello; pvctl create /guests/hello-pvh.cfg; pvctl counters hello-pvh"
expect_dom0_poweroff
# Dom0: at least the domctl that walked to it, and console output.
expect_line '^Domain-0 \(d0\): hypercalls [1-9][0-9]*, exceptions [0-9]+ \(bounced [0-9]+\), syscalls [0-9]+, event sends [0-9]+, upcalls [0-9]+$'
expect_line '^ +18 console_io +[1-9][0-9]*$'
expect_line '^ +36 domctl +[1-9][0-9]*$'
# The DomU: its own counts, not Dom0's (it makes no domctl).
expect_line '^hello \(d1\): hypercalls [1-9][0-9]*, '
expect_in_order '^dom0# pvctl counters hello$' '^ +29 sched_op +[1-9][0-9]*$' '^dom0# poweroff$'
# The PVH DomU asked for its console page (hvm_op) and set its timer.
expect_in_order '^dom0# pvctl counters hello-pvh$' '^hello-pvh \(d2\): hypercalls [1-9][0-9]*, ' \
  '^ +34 hvm_op +[1-9][0-9]*$' '^dom0# poweroff$'
[ "$(awk '/^dom0# pvctl counters hello$/ {on = 1; next} /^dom0# / {on = 0} on && /^ +36 domctl /' "$TRANSCRIPT")" = "" ] ||
  fail "the DomU's counters show domctls"
pass
