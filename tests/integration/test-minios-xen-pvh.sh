#!/usr/bin/env bash
# The same minios image boots as a Xen PVH guest: minios-test as the PVH
# Dom0 of the real Xen 4.17 (Debian's xen-hypervisor-4.17-amd64, installed
# if missing, as scripts/bench --vs-xen does) in QEMU TCG. Xen wants an
# IOMMU for a PVH Dom0: q35 with QEMU's intel-iommu. minios enters at its
# PHYS32_ENTRY note in 32-bit mode, builds its page tables, installs the
# hypercall page through Xen's MSR, maps shared_info with add_to_physmap,
# takes event upcalls on its callback vector and sleeps in hlt until the
# singleshot timer fires (kernel/platform_pvh.cpp); the PV-only groups are
# skipped and the run ends in PASS and a power-off. Then minios-hello
# keeps its heartbeat and powers off. About 30 s under TCG.
source "$(dirname "$0")/lib.sh"
source "$PARAVANE_ROOT/scripts/lib/common.sh"
source "$PARAVANE_ROOT/scripts/lib/xen.sh"

xen_ensure_installed
WORK=$(mktemp -d "${TMPDIR:-/tmp}/paravane-$TEST_NAME.XXXXXX")
trap 'xen_stop_qemu; rm -rf "$WORK" "$TRANSCRIPT"' EXIT

# boot_xen_pvh IMAGE "ARGS": Xen with IMAGE as its PVH Dom0 until Dom0
# stops; the serial output goes to $TRANSCRIPT.
boot_xen_pvh() {
  xen_make_iso "$WORK/xen.iso" "$1" "$2" \
    "$XEN_BASE_CMDLINE dom0_mem=64M dom0=pvh iommu=1" >"$WORK/mkiso.log" 2>&1 ||
    { cat "$WORK/mkiso.log"; echo "FAIL: $TEST_NAME: making the ISO failed"; exit 1; }
  BOOT_DESCRIPTION="Xen 4.17 with $(basename "$1") '$2' as PVH Dom0 (QEMU q35, intel-iommu)"
  echo "$TEST_NAME: $BOOT_DESCRIPTION"
  xen_start_qemu "$WORK/xen.iso" "$WORK/serial.txt" /dev/null 1 120 \
    -M q35 -device intel-iommu,intremap=on
  xen_wait_for "$XEN_DOM0_STOPPED" 1 $((SECONDS + 120)) || true
  xen_stop_qemu
  tr -d '\r' <"$WORK/serial.txt" >"$TRANSCRIPT"
}

boot_xen_pvh "$IMAGES/minios-test" ""
expect_no_line '^minios: (panic|unhandled exception)'
expect_no_line '^minios-test: FAIL'
expect_in_order \
  '^minios: PVH boot: hvm_start_info at 0x[0-9a-f]+: version [0-9]+, flags 0x3 privileged initdomain' \
  '^minios: Xen CPUID leaves at 0x40000[0-9a-f]00 ' \
  '^minios: shared_info mapped at ' \
  '^minios-test: booted as PVH$' \
  '^minios-test: SKIP pv-mmu: not in PVH$' \
  '^minios-test: group pvh$' \
  '^minios-test: ok hypercall page filled after the MSR write$' \
  '^minios-test: ok upcall vector taken after sti$' \
  '^minios-test: ok singleshot timer wakes hlt through VIRQ_TIMER$' \
  '^minios-test: ok user mode refused \(PV only\)$' \
  '^minios-test: PASS \([0-9]+ checks, [0-9]+ skipped\)$' \
  '^\(XEN\) Hardware Dom0 halted'

# The sample DomU's heartbeat: its clock (VIRQ_TIMER, singleshot timer,
# hlt) as a PVH kernel, then a power-off on request.
boot_xen_pvh "$IMAGES/minios-hello" "name=pvh exit-after=2"
expect_no_line '^minios: (panic|unhandled exception)'
expect_in_order \
  "^minios: command line 'name=pvh exit-after=2'$" \
  '^hello from pvh$' \
  '^pvh: heartbeat 1$' \
  '^pvh: powering off$' \
  '^\(XEN\) Hardware Dom0 halted'
pass
