#!/usr/bin/env bash
# test-fault=ud: an invalid opcode (ud2) ends in the crash dump and a failing run.
source "$(dirname "$0")/lib.sh"

boot --kernel --no-modules --timeout "$QEMU_TIMEOUT" -- test-exit test-fault=ud
expect_crash_dump 6
pass
