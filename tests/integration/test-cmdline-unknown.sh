#!/usr/bin/env bash
# An unknown command-line option is reported, never silently ignored, and the
# boot still completes.
source "$(dirname "$0")/lib.sh"

boot --kernel --no-modules --timeout "$QEMU_TIMEOUT" -- test-exit bogus-option
expect_clean_pass
expect_line "${LOG}cmdline: unknown option 'bogus-option'"
pass
