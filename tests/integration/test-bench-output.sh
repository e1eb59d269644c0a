#!/usr/bin/env bash
# scripts/bench --quick writes what its help promises: bench-results/bench.csv
# with its header and one well-formed row per operation and mode (numeric
# figures, the environment columns filled in): PV (Dom0), PVH (a DomU in an
# SVM container: QEMU -cpu max always offers SVM) and native (no
# hypervisor); the table in bench.txt with the modes side by side, and a
# PNG plot (gnuplot, which scripts/lib/deps installs). Figures are checked for form,
# never for value: timings under emulation are not a test.
source "$(dirname "$0")/lib.sh"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/paravane-$TEST_NAME.XXXXXX")
trap 'rm -rf "$OUT" "$TRANSCRIPT"' EXIT
BOOT_DESCRIPTION="scripts/bench --quick --out $OUT"

command -v gnuplot >/dev/null || fail "gnuplot is not installed (scripts/lib/deps installs gnuplot-nox)"

echo "$TEST_NAME: $BOOT_DESCRIPTION"
STATUS=0
started=$SECONDS
"$PARAVANE_ROOT/scripts/bench" --quick --out "$OUT" --timeout 240 \
  --build-dir "${PARAVANE_BUILD:-$PARAVANE_ROOT/build}" </dev/null >"$TRANSCRIPT" 2>&1 || STATUS=$?
echo "$TEST_NAME: exit status $STATUS after $((SECONDS - started)) s"
expect_status 0
expect_line '^bench: wrote .*/bench\.csv$'
expect_line '^bench: wrote .*/bench\.png$'

CSV=$OUT/bench.csv
[ -s "$CSV" ] || fail "no $CSV"
[ -s "$OUT/bench.txt" ] || fail "no $OUT/bench.txt (the table)"

readonly HEADER="op,mode,clock,unit,median,p1,p99,rounds,timer_overhead,cpu_model,emulated,emulator,qemu_version,hypervisor,hypervisor_version,paravane_rev,qemu_cpu"
[ "$(head -n1 "$CSV")" = "$HEADER" ] || fail "bench.csv header: $(head -n1 "$CSV")"
readonly COLUMNS=17

# The fields of one CSV line into FIELDS (RFC 4180: "quoted" fields may hold
# commas and "" for a quote).
split_csv() {
  local line=$1 field= quoted=0 i c
  FIELDS=()
  for ((i = 0; i < ${#line}; i++)); do
    c=${line:i:1}
    if [ "$quoted" = 1 ]; then
      if [ "$c" = '"' ] && [ "${line:i+1:1}" = '"' ]; then
        field+='"'; i=$((i + 1))
      elif [ "$c" = '"' ]; then
        quoted=0
      else
        field+=$c
      fi
    elif [ "$c" = '"' ]; then
      quoted=1
    elif [ "$c" = , ]; then
      FIELDS+=("$field"); field=
    else
      field+=$c
    fi
  done
  [ "$quoted" = 0 ] || fail "bench.csv: an unterminated quote in: $line"
  FIELDS+=("$field")
}

is_number() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }

# The operations minios-bench times in each mode, each exactly once
# (Paravane only: no --vs-xen here), keyed OP/MODE.
declare -A EXPECTED=()
for op in timer_overhead null_hypercall copy_hypercall forced_cpuid read_cr0 page_fault \
  user_syscall evtchn_self_send; do EXPECTED[$op/pv]=1; done
for op in timer_overhead null_hypercall copy_hypercall cpuid port_in rdmsr_pat page_fault \
  evtchn_self_send timer_wakeup; do EXPECTED[$op/pvh]=1; done
for op in timer_overhead cpuid port_in rdmsr_pat page_fault user_syscall; do EXPECTED[$op/native]=1; done
declare -A SEEN=()
rows=0
while IFS= read -r line; do
  rows=$((rows + 1))
  split_csv "$line"
  [ "${#FIELDS[@]}" -eq "$COLUMNS" ] || fail "bench.csv: ${#FIELDS[@]} fields, not $COLUMNS: $line"
  op=${FIELDS[0]} mode=${FIELDS[1]} clock=${FIELDS[2]} unit=${FIELDS[3]}
  [ -n "${EXPECTED[$op/$mode]:-}" ] || fail "bench.csv: an unexpected operation or mode: $line"
  [ -z "${SEEN[$op/$mode]:-}" ] || fail "bench.csv: $op ($mode) twice"
  SEEN[$op/$mode]=1
  [ "$clock" = tsc ] || fail "bench.csv: clock '$clock' (without --icount: tsc) in: $line"
  [ "$unit" = cycles ] || fail "bench.csv: unit '$unit' in: $line"
  for i in 4 5 6 7 8; do # median p1 p99 rounds timer_overhead
    is_number "${FIELDS[i]}" || fail "bench.csv: column $((i + 1)) '${FIELDS[i]}' is not a number in: $line"
  done
  # --quick: 5 batches of 200.
  [ "${FIELDS[7]}" -eq 1000 ] || fail "bench.csv: rounds ${FIELDS[7]}, not 1000 (--quick) in: $line"
  [ "${FIELDS[5]}" -le "${FIELDS[4]}" ] && [ "${FIELDS[4]}" -le "${FIELDS[6]}" ] ||
    fail "bench.csv: not p1 <= median <= p99 in: $line"
  [ -n "${FIELDS[9]}" ] || fail "bench.csv: no cpu_model in: $line"
  [ "${FIELDS[10]}" = yes ] || fail "bench.csv: emulated '${FIELDS[10]}' in: $line"
  [ "${FIELDS[11]}" = qemu-tcg ] || fail "bench.csv: emulator '${FIELDS[11]}' in: $line"
  [[ ${FIELDS[12]} =~ ^[0-9]+\.[0-9]+ ]] || fail "bench.csv: qemu_version '${FIELDS[12]}' in: $line"
  if [ "$mode" = native ]; then
    [ "${FIELDS[13]}" = none ] || fail "bench.csv: hypervisor '${FIELDS[13]}' (native: none) in: $line"
    [ -z "${FIELDS[14]}" ] || fail "bench.csv: hypervisor_version '${FIELDS[14]}' (native: empty) in: $line"
  else
    [ "${FIELDS[13]}" = paravane ] || fail "bench.csv: hypervisor '${FIELDS[13]}' in: $line"
    [[ ${FIELDS[14]} =~ ^[0-9]+\.[0-9]+ ]] || fail "bench.csv: hypervisor_version '${FIELDS[14]}' in: $line"
  fi
  [ -n "${FIELDS[15]}" ] || fail "bench.csv: no paravane_rev in: $line"
  [ -n "${FIELDS[16]}" ] || fail "bench.csv: no qemu_cpu in: $line"
done < <(tail -n +2 "$CSV")
for op in "${!EXPECTED[@]}"; do
  [ -n "${SEEN[$op]:-}" ] || fail "bench.csv: no row for ${op%/*} (mode ${op#*/})"
done
echo "$TEST_NAME: bench.csv: $rows well-formed rows"

# The modes side by side: a header and a line per operation with a figure
# or "-" in each of the pv, pvh and native columns.
grep -q '^medians per mode' "$OUT/bench.txt" || fail "bench.txt: no table of the modes side by side"
grep -Eq '^page_fault +cycles +[0-9]+ +[0-9]+ +[0-9]+$' "$OUT/bench.txt" ||
  fail "bench.txt: no page_fault line with pv, pvh and native medians"
[ "$(head -n1 "$OUT/modes.csv")" = "op,unit,pv_median,pvh_median,native_median" ] ||
  fail "modes.csv header: $(head -n1 "$OUT/modes.csv" 2>/dev/null)"

# The plot: a PNG (8-byte signature, then the IHDR chunk with a nonzero
# width and height) of more than a blank image's few hundred bytes.
PNG=$OUT/bench.png
[ -s "$PNG" ] || fail "no $PNG"
[ "$(head -c 8 "$PNG" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "bench.png: no PNG signature"
[ "$(head -c 16 "$PNG" | tail -c 4)" = IHDR ] || fail "bench.png: no IHDR chunk first"
dims=$(head -c 24 "$PNG" | tail -c 8 | od -An -tu1 | tr -s ' ' | sed 's/^ //')
read -r w0 w1 w2 w3 h0 h1 h2 h3 <<<"$dims"
width=$(((w0 << 24) | (w1 << 16) | (w2 << 8) | w3)) height=$(((h0 << 24) | (h1 << 16) | (h2 << 8) | h3))
[ "$width" -gt 0 ] && [ "$height" -gt 0 ] || fail "bench.png: ${width}x${height}"
size=$(stat -c %s "$PNG")
[ "$size" -gt 4096 ] || fail "bench.png: only $size bytes"
echo "$TEST_NAME: bench.png: ${width}x${height}, $size bytes"
pass
