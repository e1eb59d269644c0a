#!/usr/bin/env bash
# test-fault=df: a #UD on an unmapped stack becomes a double fault, taken on
# its own IST stack, which ends in the crash dump and a failing run.
source "$(dirname "$0")/lib.sh"

boot --kernel --no-modules --timeout "$QEMU_TIMEOUT" -- test-exit test-fault=df
expect_crash_dump 8
pass
