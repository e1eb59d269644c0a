# shellcheck shell=bash
# Sourced by tests/integration/test-*.sh. A test boots the hypervisor once or
# more with scripts/run and checks the serial transcript:
#
#   source "$(dirname "$0")/lib.sh"
#   boot --kernel --no-modules --timeout "$QEMU_TIMEOUT" -- test-exit
#   expect_status 0
#   expect_line "^\[ *[0-9.]+\] paravane: boot complete$"
#   pass
#
# A boot with Dom0 (the default boot modules) ends at Dom0's prompt: a test
# either types commands with --exec (which adds test-exit and a final
# poweroff) or, when it is about the hypervisor alone, boots --no-modules.
#
# ctest passes PARAVANE_BUILD (the build directory) and PARAVANE_NO_BUILD=1
# (the images are built already). Every check that fails prints the whole
# transcript and what it expected, then ends the test.
set -euo pipefail
shopt -s inherit_errexit

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PARAVANE_ROOT=$(cd "$TESTS_DIR/../.." && pwd)
IMAGES=${PARAVANE_BUILD:-$PARAVANE_ROOT/build}/images   # paravane, minios-test, ...
TEST_NAME=$(basename "$0" .sh)
export PARAVANE_NO_BUILD=${PARAVANE_NO_BUILD:-1}

# Time limits for one boot, generous for TCG sharing 2 cores with other tests.
# Measured alone, to the Dom0 prompt and its poweroff: QEMU -kernel ~2 s, the
# ISO under SeaBIOS ~5 s (a run with extra hypervisor arguments first builds
# its own ISO), under OVMF ~15 s, Bochs ~25 s.
QEMU_TIMEOUT=90
UEFI_TIMEOUT=180
BOCHS_TIMEOUT=240

TRANSCRIPT=$(mktemp "${TMPDIR:-/tmp}/paravane-$TEST_NAME.XXXXXX")
trap 'rm -f "$TRANSCRIPT"' EXIT
STATUS=              # scripts/run's exit status of the last boot
BOOT_DESCRIPTION=    # its arguments, for messages

# boot [scripts/run OPTIONS] [-- HYPERVISOR-ARGS]: runs scripts/run with no
# terminal; keeps its output (serial console, then its own messages) without
# carriage returns in $TRANSCRIPT and its exit status in $STATUS.
boot() {
  BOOT_DESCRIPTION="scripts/run $*"
  echo "$TEST_NAME: $BOOT_DESCRIPTION"
  local started=$SECONDS
  STATUS=0
  "$PARAVANE_ROOT/scripts/run" "$@" </dev/null 2>&1 | tr -d '\r' >"$TRANSCRIPT" || STATUS=${PIPESTATUS[0]}
  echo "$TEST_NAME: exit status $STATUS after $((SECONDS - started)) s"
}

fail() {
  echo "---- transcript of $BOOT_DESCRIPTION ----"
  cat "$TRANSCRIPT"
  echo "---- end of transcript ----"
  echo "FAIL: $TEST_NAME: $*"
  exit 1
}

expect_status() {
  [ "$STATUS" -eq "$1" ] || fail "expected scripts/run to exit with status $1, not $STATUS"
}

# A line of the transcript matches the extended regular expression.
expect_line() {
  grep -qE -- "$1" "$TRANSCRIPT" || fail "no line matches: $1"
}

expect_no_line() {
  local found
  if found=$(grep -m1 -E -- "$1" "$TRANSCRIPT"); then
    fail "unexpected line: $found (matches $1)"
  fi
}

# Lines match the expressions in this order (other lines may come between).
expect_in_order() {
  local next
  next=$(PATTERNS=$(printf '%s\n' "$@") awk '
    BEGIN { n = split(ENVIRON["PATTERNS"], p, "\n"); i = 1 }
    i <= n && $0 ~ p[i] { i++ }
    END { print i <= n ? p[i] : "" }' "$TRANSCRIPT")
  [ -z "$next" ] || fail "in order: $(printf '[%s] ' "$@"); missing from there on: $next"
}

# How many lines match.
count_lines() {
  grep -cE -- "$1" "$TRANSCRIPT" || true
}

pass() {
  echo "PASS: $TEST_NAME"
}

# --- Expressions for the hypervisor's log lines ----------------------------

# A log line: "[    1.234567] message" (time since boot).
LOG='^\[ *[0-9]+\.[0-9]+\] '
# A log line that may come right after Dom0's prompt (which ends without a
# newline): what a DomU running beside Dom0 prints while Dom0 waits there.
LOG_AFTER_PROMPT='^(dom0# )?\[ *[0-9]+\.[0-9]+\] '

# The checks every successful test boot shares.
expect_clean_pass() {
  expect_status 0
  expect_line "${LOG}Paravane .* hypervisor"
  expect_line "${LOG}paravane: boot complete$"
  expect_line '^paravane: verdict PASS$'
  expect_no_line 'PANIC'
}

# An unexpected exception: the full dump, then a FAIL verdict and a failing
# scripts/run (status 1).
expect_crash_dump() {
  local vector=$1
  expect_status 1
  expect_in_order \
    "${LOG}\*\*\* PANIC: unexpected exception $vector " \
    "${LOG}RIP: 0x[0-9a-f]+ <[^>]+\+0x[0-9a-f]+>" \
    "${LOG}RAX: [0-9a-f]+" \
    "${LOG}CR0: .*CR2: [0-9a-f]+" \
    "${LOG}.*EFER: [0-9a-f]+" \
    "${LOG}backtrace:" \
    "${LOG} +0x[0-9a-f]+ <[^>]+\+0x[0-9a-f]+>" \
    '^paravane: verdict FAIL$'
  expect_no_line "${LOG}paravane: boot complete$"
}

# --- Dom0 ------------------------------------------------------------------

# minios-dom0 came up, prompted, and the run ended with the poweroff that
# --exec types last: the hypervisor stopped the machine with a PASS verdict.
expect_dom0_poweroff() {
  expect_status 0
  expect_in_order \
    "${LOG}paravane: boot complete$" \
    "${LOG}dom0: " \
    '^Paravane minios dom0 ' \
    '^dom0# poweroff$' \
    '^dom0: powering off$' \
    "${LOG}d0: shut down \\(poweroff\\)$" \
    "${LOG}paravane: dom0 shut down; stopping the machine$" \
    '^paravane: verdict PASS$'
  expect_no_line 'PANIC'
  expect_no_line '^run: .*failed'
}
