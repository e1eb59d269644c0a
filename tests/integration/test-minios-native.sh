#!/usr/bin/env bash
# minios booted bare (no hypervisor): QEMU's multiboot loader starts
# minios-hello.elf32 (minios-hello in an ELF32 wrapper) at its multiboot
# entry, which runs the same 32-bit start of day as PVH (arch/start32.S:
# page tables, long mode, the kernel's virtual address) and finds no Xen
# CPUID leaves; it says so on COM1 and leaves through isa-debug-exit
# (value 0x10: QEMU exits with 33).
source "$(dirname "$0")/lib.sh"

KERNEL=$IMAGES/minios-hello.elf32
[ -f "$KERNEL" ] || { echo "FAIL: $TEST_NAME: no $KERNEL (build target minios_native)"; exit 1; }

BOOT_DESCRIPTION="qemu-system-x86_64 -kernel $KERNEL"
echo "$TEST_NAME: $BOOT_DESCRIPTION"
STATUS=0
timeout --kill-after=5 60 qemu-system-x86_64 -accel tcg -cpu max -m 64 -kernel "$KERNEL" \
  -display none -monitor none -serial stdio -nic none -no-reboot \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null 2>&1 |
  tr -d '\r' >"$TRANSCRIPT" || STATUS=${PIPESTATUS[0]}
echo "$TEST_NAME: exit status $STATUS"

expect_status 33
expect_in_order '^minios: native boot$' '^minios: no Xen CPUID leaves$'
pass
