# shellcheck shell=bash
# Shared by the scripts in scripts/ and scripts/lib/: sourced, not run.
# Defines where the repository and the build directory are, and how the
# scripts talk to the user (messages on stderr, prefixed with the script's name).

PARAVANE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The build directory: $PARAVANE_BUILD if set, else build/ in the repository
# (the CMake preset's binaryDir).
paravane_build_dir() {
  echo "${PARAVANE_BUILD:-$PARAVANE_ROOT/build}"
}

say() {
  echo "$(basename "$0"): $*" >&2
}

die() {
  say "$@"
  exit 1
}

# Command substitutions fail like the commands in them (bash >= 4.4).
shopt -s inherit_errexit
