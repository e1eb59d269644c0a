#!/usr/bin/env bash
# Without SVM (-cpu max,-svm) the hypervisor sees no hardware virtualization.
source "$(dirname "$0")/lib.sh"

boot --cpu pv --kernel --timeout "$QEMU_TIMEOUT" -- test-exit
expect_clean_pass
expect_line "${LOG}virtualization: none"
expect_no_line "${LOG}virtualization: .*(SVM|VMX)"
pass
