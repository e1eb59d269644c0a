#!/usr/bin/env bash
# test-fault=pf: a page fault on an unmapped address ends in the crash dump
# (exception 14, CR2 = the address) and a failing run.
source "$(dirname "$0")/lib.sh"

boot --kernel --no-modules --timeout "$QEMU_TIMEOUT" -- test-exit test-fault=pf
expect_crash_dump 14
address=$(sed -nE 's/.*test-fault: reading unmapped address 0x([0-9a-f]+).*/\1/p' "$TRANSCRIPT")
[ -n "$address" ] || fail "the test fault did not say which address it reads"
expect_line "${LOG}CR0: .*CR2: 0*$address( |$)"
pass
