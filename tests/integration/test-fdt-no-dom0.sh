#!/usr/bin/env bash
# A device tree with two DomUs and no Dom0 (tests/integration/fdt/
# two-domus.dts): both run, and their output appears on the serial console
# as "(dN) ..." lines. One powers off after 3 s (exit-after=3); the other
# runs until the time limit ends the run (no Dom0, so no verdict).
source "$(dirname "$0")/lib.sh"

boot --kernel --fdt "$TESTS_DIR/fdt/two-domus.dts" --timeout 20
expect_status 124
expect_line "${LOG}paravane: boot complete$"
expect_in_order \
  "${LOG}fdt: domain 'alpha' runs as d1 " \
  "${LOG}fdt: domain 'beta' runs as d2 \\(16 MiB, 1 vCPU, weight 512, cap 0\\)$" \
  "${LOG}fdt: 2 of 2 described domains started; no Dom0$"
expect_in_order "${LOG}\\(d1\\) hello from alpha$" "${LOG}\\(d1\\) alpha: heartbeat 1$" \
  "${LOG}\\(d1\\) alpha: heartbeat 5$"
expect_in_order "${LOG}\\(d2\\) minios: command line 'name=beta exit-after=3'$" \
  "${LOG}\\(d2\\) hello from beta$" "${LOG}\\(d2\\) beta: heartbeat 3$" \
  "${LOG}\\(d2\\) beta: powering off$" "${LOG}d2: shut down \\(poweroff\\)$"
expect_no_line "${LOG}dom0: "
expect_no_line 'PANIC'
# Every guest line is one domain's: no line carries two greetings.
expect_no_line 'heartbeat [0-9]+.*heartbeat'
pass
