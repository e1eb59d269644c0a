#!/usr/bin/env bash
# --fdt on the other boot paths: the GRUB ISO (multiboot2, module command
# lines without file names) and Paravane's EFI loader under OVMF (the tree
# is one more `module` line of paravane.cfg). Both start Dom0 and the two
# DomUs of tests/integration/fdt/dom0-two-domus.dts.
source "$(dirname "$0")/lib.sh"

expect_three_domains() {
  expect_dom0_poweroff
  expect_line "${LOG}module 2: .* 'fdt'$"
  expect_line "${LOG}fdt: domain 'alpha' runs as d1 "
  expect_line "${LOG}fdt: domain 'beta' runs as d2 "
  expect_line "${LOG_AFTER_PROMPT}\\(d1\\) hello from alpha$"
  expect_line "${LOG_AFTER_PROMPT}\\(d2\\) hello from bravo$"
  expect_in_order '(^dom0# |^)pvctl list$' '^Domain-0 +0 ' '^alpha +1 ' '^beta +2 '
}

boot --fdt "$TESTS_DIR/fdt/dom0-two-domus.dts" --timeout "$QEMU_TIMEOUT" --exec "pvctl list"
expect_three_domains

boot --efi --fdt "$TESTS_DIR/fdt/dom0-two-domus.dts" --timeout "$UEFI_TIMEOUT" --exec "pvctl list"
expect_line '^run: QEMU, .*EFI loader under OVMF'
expect_three_domains
pass
