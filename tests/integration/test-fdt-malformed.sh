#!/usr/bin/env bash
# Malformed device trees: each bad domain gets one message naming the
# domain and the problem, and the valid domain still starts
# (tests/integration/fdt/malformed.dts); a tree without /domains describes
# nothing, which ends a test-exit run with FAIL (fdt/no-domains.dts).
source "$(dirname "$0")/lib.sh"

boot --kernel --fdt "$TESTS_DIR/fdt/malformed.dts" --timeout 15
expect_status 124
expect_line "^run: note: .*malformed\\.dts names module 'minios-nothing', which no boot module or file provides$"
expect_line "${LOG}fdt: domain 'nokernel': missing property 'kernel'$"
expect_line "${LOG}fdt: domain 'wrongtype': property 'memory' is not a 32-bit number$"
expect_line "${LOG}fdt: domain 'noindex': kernel module 9 does not exist \\(4 boot modules\\)$"
expect_line "${LOG}fdt: domain 'noname': kernel module 'minios-nothing' not found among the boot modules$"
expect_line "${LOG}fdt: domain 'greedy': memory 65536 MiB is more than the [0-9]+ MiB free$"
expect_line "${LOG}fdt: domain 'twin': duplicate name$"
expect_line "${LOG}fdt: domain 'badmode': mode \"hvm\" is not \"pv\", \"pvh\" or \"auto\"$"
expect_line "${LOG}fdt: domain 'manycpus': cpus 64 is out of range \\(1\\.\\.8\\)$"
# One message each, no more (the lines "kernel module N, ..." list the valid ones).
problems=$(count_lines "${LOG}fdt: domain '[a-z]+': ([^k]|kernel module ([^0-9]|[0-9]+ ))")
[ "$problems" -eq 8 ] || fail "expected 8 messages about bad domains, not $problems"
# The valid ones: 'good' and the first 'twin'.
expect_in_order \
  "${LOG}fdt: domain 'good' runs as d1 " \
  "${LOG}fdt: domain 'twin' runs as d2 " \
  "${LOG}fdt: 2 of 2 described domains started; no Dom0$"
expect_line "${LOG}\\(d1\\) hello from good$"
expect_line "${LOG}\\(d2\\) hello from twin$"
expect_no_line 'PANIC'

boot --kernel --fdt "$TESTS_DIR/fdt/no-domains.dts" --timeout "$QEMU_TIMEOUT" -- test-exit
expect_status 1
expect_in_order \
  "${LOG}fdt: module 2 describes the boot-time domains$" \
  "${LOG}fdt: no /domains node: no domains described$" \
  "${LOG}fdt: no domain to run$" \
  '^paravane: verdict FAIL$'
expect_no_line "${LOG}dom0: "
pass
