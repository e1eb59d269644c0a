#!/usr/bin/env bash
# scripts/run --exec "info; poweroff" (the default ISO boot): types both
# commands at Dom0's prompt; `info` shows the hypervisor's version from
# xen_version, and the run exits 0.
source "$(dirname "$0")/lib.sh"

boot --timeout "$QEMU_TIMEOUT" --exec "info; poweroff"
expect_dom0_poweroff
expect_in_order \
  '^dom0# info$' \
  '^hypervisor: version 4\.17' \
  '^capabilities: xen-3\.0-x86_64' \
  '^domain: [0-9]+ pages .*privileged, initial domain' \
  '^dom0# poweroff$'
[ "$(count_lines '^dom0# poweroff$')" -eq 1 ] || fail "poweroff typed more than once"
expect_no_line 'error:'
pass
