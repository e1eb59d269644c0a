#!/usr/bin/env bash
# Without SVM (-cpu max,-svm) the hypervisor sees no hardware virtualization,
# and Dom0 still boots as a PV guest in ring 3 to its prompt.
source "$(dirname "$0")/lib.sh"

boot --cpu pv --kernel --timeout "$QEMU_TIMEOUT" --exec poweroff
expect_clean_pass
expect_line "${LOG}virtualization: none"
expect_no_line "${LOG}virtualization: .*(SVM|VMX)"
expect_dom0_poweroff
pass
