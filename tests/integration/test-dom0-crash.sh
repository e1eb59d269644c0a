#!/usr/bin/env bash
# A Dom0 that faults with no handler in its trap table (minios-test
# fault=no-handler: set_trap_table(NULL), then ud2) is crashed by the
# hypervisor with the reason and its registers in the log; the hypervisor
# stays up to report FAIL.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --dom0 "$IMAGES/minios-test" --dom0-args fault=no-handler -- test-exit
expect_status 1
expect_line "^minios: command line 'fault=no-handler'$"
expect_in_order \
  '^minios-test: clearing the trap table' \
  "${LOG}d0v0: crashed: #UD .*no handler" \
  "${LOG}d0v0: RIP 0x[0-9a-f]+ CS 0xe033 " \
  "${LOG}paravane: dom0 crashed; stopping the machine$" \
  '^paravane: verdict FAIL$'
expect_no_line '^minios-test: FAIL survived'
expect_no_line 'PANIC'
pass
