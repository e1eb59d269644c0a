#!/usr/bin/env bash
# --exec fails when a command fails: an unknown command is reported by Dom0,
# the run still powers off, and scripts/run exits 1 naming the command. A
# command Dom0 never prompts for (after poweroff) fails the run too; --exec
# still appends its own poweroff after 'help'.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --exec "help; bogus"
expect_status 1
expect_in_order \
  '^dom0# help$' \
  '^  help +list the commands' \
  '^  poweroff ' \
  '^dom0# bogus$' \
  "^dom0: unknown command 'bogus' \(try 'help'\)$" \
  '^dom0# poweroff$' \
  '^paravane: verdict PASS$' \
  "^run: command 'bogus' failed: dom0: unknown command 'bogus'" \
  '^run: FAIL: '

boot --kernel --timeout "$QEMU_TIMEOUT" --exec "poweroff; help"
expect_status 1
expect_line '^paravane: verdict PASS$'
expect_line "^run: Dom0 did not prompt for 'help' \(1 of 3 commands typed\)$"
pass
