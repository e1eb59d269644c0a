#!/usr/bin/env bash
# QEMU's -kernel loads the ELF32 image through multiboot1.
source "$(dirname "$0")/lib.sh"

boot --kernel --timeout "$QEMU_TIMEOUT" -- test-exit
expect_clean_pass
expect_line "${LOG}boot: multiboot1 from 'qemu', command line '.*paravane console=com1 test-exit'$"
expect_line "${LOG}memory: [0-9]+ MiB usable"
pass
