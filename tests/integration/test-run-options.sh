#!/usr/bin/env bash
# scripts/run itself: usage errors exit 2 with the usage text; --timeout
# stops a run that never reports a verdict with status 124 (without --exec or
# test-exit, a run ends at Dom0's prompt and waits for the user).
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

boot --exec
expect_status 2
expect_line '^run: option --exec needs a value$'

boot --exec ' ; ;'
expect_status 2
expect_line '^run: --exec needs at least one command$'

boot --no-modules --exec info
expect_status 2
expect_line '^run: --exec needs Dom0: it excludes --no-modules$'

boot --dom0 /nonexistent/kernel
expect_status 2
expect_line "^run: --dom0: no such file '/nonexistent/kernel'$"

boot --no-modules --dom0-args x
expect_status 2

boot --kernel --timeout 8
expect_status 124
expect_line "${LOG}paravane: boot complete$"
expect_line '^dom0# '
expect_line '^run: timed out after 8s without a verdict$'
pass
