#!/usr/bin/env bash
# QEMU's -cpu max (TCG) offers AMD SVM with nested paging.
source "$(dirname "$0")/lib.sh"

boot --cpu svm --kernel --timeout "$QEMU_TIMEOUT" -- test-exit
expect_clean_pass
expect_line "${LOG}virtualization: AMD SVM with NPT"
pass
