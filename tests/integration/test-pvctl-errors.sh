#!/usr/bin/env bash
# Every way `pvctl create` and friends can be misused gives one clear error
# line and leaves nothing behind: a missing file, a bad config line, a kernel
# that is not an ELF, too much memory, a name in use, an unknown domain, an
# unknown verb and a bad argument. The good guest keeps running throughout
# and the free memory is what it was. scripts/run fails the run because
# commands failed; Dom0 still reaches its poweroff.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" --exec "pvctl create /guests/hello.cfg; pvctl info; pvctl create /guests/missing.cfg; pvctl create /guests/hello.cfg name=other memory=lots; pvctl create /guests/hello.cfg name=other kernel=/guests/hello.cfg; pvctl create /guests/hello.cfg name=other memory=100000 maxmem=100000; pvctl create /guests/hello.cfg; pvctl destroy nosuch; pvctl pause 77; pvctl frobnicate; pvctl sched-credit -d hello -w 0; pvctl list; pvctl info"
expect_status 1
expect_line '^paravane: verdict PASS$'
expect_line '^dom0: powering off$'
expect_in_order \
  '^dom0# pvctl create /guests/missing\.cfg$' '^error: .*missing\.cfg' \
  '^dom0# pvctl create /guests/hello\.cfg name=other memory=lots$' '^error: .*memory' \
  '^dom0# pvctl create /guests/hello\.cfg name=other kernel=/guests/hello\.cfg$' '^error: .*(ELF|elf)' \
  '^dom0# pvctl create /guests/hello\.cfg name=other memory=100000 maxmem=100000$' '^error: .*(memory|ENOMEM)' \
  '^dom0# pvctl create /guests/hello\.cfg$' '^error: .*hello.*(in use|exists|EEXIST)' \
  '^dom0# pvctl destroy nosuch$' '^error: .*nosuch' \
  '^dom0# pvctl pause 77$' '^error: .*77' \
  '^dom0# pvctl frobnicate$' '^error: .*frobnicate' \
  '^dom0# pvctl sched-credit -d hello -w 0$' '^error: .*weight'
expect_no_line "^run: Dom0 did not prompt"
# Only the first guest exists at the end, and the failed creates gave back
# everything they took.
after=$(awk '$0 == "dom0# pvctl list" { on = 1; next } on && /^dom0# / { exit } on' "$TRANSCRIPT")
[ "$(grep -cvE '^(Name|Domain-0|hello) ' <<<"$after")" -eq 0 ] || fail "a failed create left a domain behind: $after"
mapfile -t free < <(grep -E '^free_pages +: ' "$TRANSCRIPT")
[ "${#free[@]}" -eq 2 ] && [ "${free[0]}" = "${free[1]}" ] || fail "free memory changed: ${free[*]}"
pass
