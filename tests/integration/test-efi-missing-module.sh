#!/usr/bin/env bash
# The EFI loader with a paravane.cfg that names a module missing from the
# disk (scripts/run --efi --efi-config): the loader says which file and which
# line on the serial line, gives up before ExitBootServices and returns to the
# firmware; the hypervisor never starts, and scripts/run stops the emulator
# and exits 1 (well within --timeout).
source "$(dirname "$0")/lib.sh"

CONFIG=$(mktemp "${TMPDIR:-/tmp}/paravane-efi-cfg.XXXXXX")
trap 'rm -f "$TRANSCRIPT" "$CONFIG"' EXIT
printf '%s\n' 'hypervisor paravane console=com1' 'module minios-dom0 dom0' 'module missing-module x=1' >"$CONFIG"

boot --efi --efi-config "$CONFIG" --timeout "$UEFI_TIMEOUT" --exec info
expect_status 1
expect_in_order \
  "efi-loader: hypervisor 'paravane' at 0x200000-" \
  "efi-loader: module 0: 'minios-dom0' " \
  "efi-loader: cannot open module 'missing-module' \(\\\\EFI\\\\paravane\\\\missing-module, paravane\.cfg line 3\): not found$" \
  'efi-loader: boot failed \(not found\); returning to the firmware$' \
  '^run: FAIL: the EFI loader could not boot the hypervisor$'
expect_no_line "${LOG}Paravane .* hypervisor"
expect_no_line 'exiting boot services'
pass
