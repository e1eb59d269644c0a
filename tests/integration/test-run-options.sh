#!/usr/bin/env bash
# scripts/run itself: usage errors exit 2 with the usage text; --timeout
# stops a run that never reports a verdict with status 124.
source "$(dirname "$0")/lib.sh"

boot --no-such-option
expect_status 2
expect_line "^run: unknown option '--no-such-option'$"
expect_line '^usage: scripts/run '

boot --cpu arm
expect_status 2
expect_line '^run: --cpu must be pv, svm or vmx'

boot --cpu vmx --uefi
expect_status 2

boot --kernel --timeout 8
expect_status 124
expect_line "${LOG}paravane: boot complete$"
expect_line '^run: timed out after 8s without a verdict$'
pass
