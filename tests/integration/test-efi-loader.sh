#!/usr/bin/env bash
# scripts/run --efi: OVMF boots Paravane's own EFI loader (BOOTX64.EFI) from a
# FAT directory, without GRUB. The loader reads EFI/paravane/paravane.cfg,
# loads the hypervisor at its physical address and the modules, exits boot
# services and enters the multiboot2 entry: the hypervisor sees the loader's
# name, the command line (with the arguments after --), both modules, the
# firmware's RSDP and the EFI system table, and Dom0 reaches its prompt.
source "$(dirname "$0")/lib.sh"

boot --efi --timeout "$UEFI_TIMEOUT" --exec info -- loglvl=debug
expect_clean_pass
expect_in_order \
  'efi-loader: configuration \\EFI\\paravane\\paravane\.cfg: hypervisor .paravane., 2 module\(s\)$' \
  "efi-loader: hypervisor 'paravane' at 0x200000-0x[0-9a-f]+, entry 0x[0-9a-f]+$" \
  "efi-loader: module 0: 'minios-dom0' \([0-9]+ bytes\) at 0x[0-9a-f]+, 'dom0'$" \
  "efi-loader: module 1: 'guests.cpio' \([0-9]+ bytes\) at 0x[0-9a-f]+, 'guests'$" \
  'efi-loader: ACPI 2\.0 RSDP at 0x[0-9a-f]+$' \
  "efi-loader: command line 'console=com1 loglvl=debug test-exit'; exiting boot services$" \
  "${LOG}boot: multiboot2 from 'Paravane EFI loader', command line 'console=com1 loglvl=debug test-exit'$" \
  "${LOG}memory: 0x0*100000-0x[0-9a-f]+ usable$" \
  "${LOG}boot: EFI system table at 0x[0-9a-f]+$" \
  "${LOG}modules: 2$" \
  "${LOG}module 0: 0x[0-9a-f]+-0x[0-9a-f]+ \([0-9]+ bytes\) 'dom0'$" \
  "${LOG}module 1: 0x[0-9a-f]+-0x[0-9a-f]+ \([0-9]+ bytes\) 'guests'$" \
  "${LOG}acpi: RSDP revision 2 .* from the boot loader$" \
  '^dom0# info$' \
  '^hypervisor: version 4\.17' \
  '^module: [0-9]+ bytes at 0x[0-9a-f]+: (cpio archive|"070701)'
expect_no_line 'efi-loader: boot failed'
expect_dom0_poweroff
pass
