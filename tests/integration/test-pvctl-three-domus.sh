#!/usr/bin/env bash
# Three DomUs at once, each with its own console: two hello guests under
# names given on the command line (xl's KEY=VALUE overrides) and a spinner.
# Each console shows its own guest's output and nobody else's; `list` shows
# all of them running.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --attach-seconds 2 --exec "pvctl create /guests/hello.cfg name=alpha; pvctl create /guests/hello.cfg name=beta; pvctl create /guests/spin.cfg name=gamma cpus=1; sleep 2; pvctl list; pvctl console alpha; pvctl console beta; pvctl console gamma"
expect_dom0_poweroff
expect_no_line 'error:'
expect_in_order '^dom0# pvctl list$' '^alpha +[0-9]+ ' '^beta +[0-9]+ ' '^gamma +[0-9]+ ' '^dom0# pvctl console alpha$'

# The output between one console command and the next prompt.
console_of() {
  awk -v cmd="dom0# pvctl console $1" '
    $0 == cmd { on = 1; next }
    on && /^dom0# / { exit }
    on { print }' "$TRANSCRIPT"
}
alpha=$(console_of alpha) beta=$(console_of beta) gamma=$(console_of gamma)
grep -q '^hello from alpha$' <<<"$alpha" || fail "alpha's console lacks its greeting"
grep -q '^alpha: heartbeat [0-9]+' -E <<<"$alpha" || fail "alpha's console lacks its heartbeat"
grep -q '^hello from beta$' <<<"$beta" || fail "beta's console lacks its greeting"
grep -qE '^gamma: spin [0-9]+' <<<"$gamma" || fail "gamma's console lacks its progress"
if grep -qE 'beta|gamma' <<<"$alpha"; then fail "alpha's console shows another guest's output"; fi
if grep -qE 'alpha|gamma' <<<"$beta"; then fail "beta's console shows another guest's output"; fi
pass
