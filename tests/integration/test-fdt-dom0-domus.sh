#!/usr/bin/env bash
# A device tree describes Dom0 and two DomUs (tests/integration/fdt/
# dom0-two-domus.dts): the hypervisor builds all three at boot, the DomUs
# print on the serial console through console_io, Dom0 prompts, and
# `pvctl list` shows the DomUs beside Dom0.
source "$(dirname "$0")/lib.sh"

boot --kernel --fdt "$TESTS_DIR/fdt/dom0-two-domus.dts" --timeout "$QEMU_TIMEOUT" --exec "pvctl list"
expect_dom0_poweroff
expect_in_order \
  "${LOG}fdt: module 2 describes the boot-time domains$" \
  "${LOG}fdt: domain 'dom0': kernel module 0, with a ramdisk, 128 MiB, privileged \\(Dom0\\)$" \
  "${LOG}dom0: Paravane-minios \\(dom0\\), 128 MiB" \
  "${LOG}fdt: domain 'alpha' runs as d1 \\(16 MiB, 1 vCPU, weight 256, cap 0\\)$" \
  "${LOG}fdt: domain 'beta' runs as d2 \\(24 MiB, 2 vCPUs, weight 512, cap 50\\)$"
expect_line "${LOG_AFTER_PROMPT}\\(d1\\) hello from alpha$"
expect_line "${LOG_AFTER_PROMPT}\\(d2\\) hello from bravo$"
# The DomUs' boot lines may land between Dom0's prompt and the command's
# echo: they share the serial console.
expect_in_order \
  '(^dom0# |^)pvctl list$' \
  '^Domain-0 +0 +128 ' \
  '^alpha +1 +16 ' \
  '^beta +2 +24 ' \
  '^dom0# poweroff$'
expect_no_line 'fdt: .*(missing|not |unknown|more than|duplicate)'
pass
