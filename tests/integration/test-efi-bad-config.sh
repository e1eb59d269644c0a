#!/usr/bin/env bash
# The EFI loader's other refusals: a paravane.cfg line it does not understand
# (file and line in the message), and a hypervisor file that is no multiboot
# image. Each time it gives up before ExitBootServices, returns to the
# firmware, and scripts/run exits 1 without the hypervisor having started.
source "$(dirname "$0")/lib.sh"

CONFIG=$(mktemp "${TMPDIR:-/tmp}/paravane-efi-cfg.XXXXXX")
trap 'rm -f "$TRANSCRIPT" "$CONFIG"' EXIT

boot_config() {
  printf '%s\n' "$@" >"$CONFIG"
  boot --efi --efi-config "$CONFIG" --timeout "$UEFI_TIMEOUT" --exec info
  expect_status 1
  expect_line '^run: FAIL: the EFI loader could not boot the hypervisor$'
  expect_no_line "${LOG}Paravane .* hypervisor"
}

boot_config '# a typo on line 3' 'hypervisor paravane' 'modul minios-dom0'
expect_in_order \
  "efi-loader: \\\\EFI\\\\paravane\\\\paravane\.cfg line 3: unknown keyword 'modul' \(expected 'hypervisor' or 'module'\)$" \
  'efi-loader: boot failed \(load error\); returning to the firmware$'

boot_config 'hypervisor minios-dom0 console=com1'
expect_in_order \
  "efi-loader: 'minios-dom0' is not a multiboot2 hypervisor image: not a 32-bit x86 ELF file" \
  'efi-loader: boot failed \(load error\); returning to the firmware$'
pass
