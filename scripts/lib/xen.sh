# shellcheck shell=bash disable=SC2034  # the constants are for the scripts that source it
# Shared by the scripts that boot a PV kernel as Dom0 of the real Xen 4.17
# (Debian's xen-hypervisor-4.17-amd64) in QEMU TCG, to compare Paravane with
# it: scripts/lib/xen-dom0-check and scripts/bench --vs-xen. Sourced after
# common.sh, not run. Never uses KVM.

readonly XEN_IMAGE=/boot/xen-4.17-amd64.gz
readonly XEN_PACKAGE=xen-hypervisor-4.17-amd64
# The label of Xen's figures and transcripts (Paravane's are "paravane").
readonly XEN_LABEL=xen-4.17
# Serial console on COM1, every message logged; callers add dom0_mem= and
# the like.
readonly XEN_BASE_CMDLINE="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all"
# Under QEMU 7.2's TCG, Xen boots a PV Dom0 only with SMAP hidden from it
# (TCG faults a ring-3 iretq under SMAP; see `smap=` in README.md).
readonly XEN_QEMU_CPU=max,-smap
# What Xen prints once Dom0 has powered off, rebooted or crashed: after it
# a halted machine keeps QEMU running, so the caller stops QEMU itself.
readonly XEN_DOM0_STOPPED='Hardware Dom0 (halted|shutdown|crashed)'

XEN_QEMU_PID=
XEN_TRANSCRIPT=

# Installs Debian's Xen 4.17 hypervisor package unless its image is there.
xen_ensure_installed() {
  [ -f "$XEN_IMAGE" ] && return 0
  say "installing $XEN_PACKAGE (for $XEN_IMAGE)"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$XEN_PACKAGE" >/dev/null
  [ -f "$XEN_IMAGE" ] || die "$XEN_PACKAGE did not provide $XEN_IMAGE"
}

# xen_make_iso ISO DOM0 "DOM0_ARGS" "XEN_CMDLINE": a GRUB ISO that boots Xen
# with DOM0 as its first module (Xen's Dom0 kernel).
xen_make_iso() {
  "$PARAVANE_ROOT/scripts/lib/mkiso" --out "$1" --hypervisor "$XEN_IMAGE" \
    --cmdline "$4" --module "$2" "$3"
}

# xen_start_qemu ISO TRANSCRIPT INPUT SMP TIMEOUT [QEMU ARGS...]: boots the
# ISO in the background (serial to TRANSCRIPT, its input from INPUT, a file
# or FIFO), sets XEN_QEMU_PID and XEN_TRANSCRIPT. -display none rather than
# -nographic: no monitor multiplexer that would eat Ctrl-A, which Xen itself
# uses to switch the serial input.
xen_start_qemu() {
  local iso=$1 transcript=$2 input=$3 smp=$4 timeout=$5
  shift 5
  XEN_TRANSCRIPT=$transcript
  : >"$XEN_TRANSCRIPT"
  timeout --kill-after=10 "$timeout" qemu-system-x86_64 -accel tcg -cpu "$XEN_QEMU_CPU" \
    -smp "$smp" -m 512 -no-reboot -display none -monitor none -serial stdio -nic none \
    -cdrom "$iso" "$@" <"$input" >"$XEN_TRANSCRIPT" 2>&1 &
  XEN_QEMU_PID=$!
}

xen_qemu_running() {
  [ -n "$XEN_QEMU_PID" ] && kill -0 "$XEN_QEMU_PID" 2>/dev/null
}

# xen_wait_for REGEX COUNT DEADLINE: until the transcript has COUNT lines
# matching REGEX (extended), QEMU ends or $SECONDS reaches DEADLINE.
xen_wait_for() {
  local pattern=$1 count=$2 deadline=$3
  while xen_qemu_running && [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(grep -acE "$pattern" "$XEN_TRANSCRIPT" || true)" -ge "$count" ] && return 0
    sleep 1
  done
  [ "$(grep -acE "$pattern" "$XEN_TRANSCRIPT" || true)" -ge "$count" ]
}

# Stops the emulator xen_start_qemu started (only that one, by its pid).
xen_stop_qemu() {
  if xen_qemu_running; then
    kill "$XEN_QEMU_PID" 2>/dev/null || true
  fi
  [ -z "$XEN_QEMU_PID" ] || wait "$XEN_QEMU_PID" 2>/dev/null || true
  XEN_QEMU_PID=
}
