#!/usr/bin/env bash
# The user's first steps: `pvctl create /guests/hello.cfg -c` builds a DomU
# from the guests archive and attaches its console, which shows the guest's
# greeting and heartbeat; Ctrl-] detaches, and `pvctl list` shows the guest
# beside Dom0.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --attach-seconds 4 --exec "pvctl create /guests/hello.cfg -c; pvctl list"
expect_dom0_poweroff
expect_in_order \
  '^dom0# pvctl create /guests/hello\.cfg -c$' \
  'hello \(d[0-9]+\) created' \
  '^hello from hello$' \
  '^hello: heartbeat 1$' \
  '^hello: heartbeat 2$' \
  '^dom0# pvctl list$' \
  '^Domain-0 +0 ' \
  '^hello +[0-9]+ +8 +1 ' \
  '^dom0# poweroff$'
expect_no_line 'error:'
pass
