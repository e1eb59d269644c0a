#!/usr/bin/env bash
# QEMU's -cpu max (TCG) offers AMD SVM with nested paging; Dom0 is still a PV
# guest (hardware containers come later) and boots to its prompt.
source "$(dirname "$0")/lib.sh"

boot --cpu svm --kernel --timeout "$QEMU_TIMEOUT" --exec poweroff
expect_clean_pass
expect_line "${LOG}virtualization: AMD SVM with NPT"
expect_dom0_poweroff
pass
