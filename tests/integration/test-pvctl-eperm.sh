#!/usr/bin/env bash
# The toolstack's hypercalls are the privileged domain's alone: a DomU that
# calls domctl or sysctl gets -EPERM, and nothing else happens (the hypervisor
# and Dom0 go on; the guest powers itself off and is destroyed).
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --attach-seconds 2 --exec "pvctl create /guests/probe.cfg; pvctl console probe; sleep 5; pvctl list"
expect_dom0_poweroff
expect_no_line 'error:'
expect_line '^probe: domctl: -1 \(EPERM\)$'
expect_line '^probe: sysctl: -1 \(EPERM\)$'
expect_line 'probe \(d[0-9]+\) powered off: destroyed'
pass
