#!/usr/bin/env bash
# test-svm: an SVM hardware container with nested paging runs a small guest
# program; each of its exits (CPUID, two OUTs, VMMCALL, HLT) arrives in order
# and is answered, and the guest's writes land in the frame its nested page
# table maps. Without SVM the test reports so and passes.
source "$(dirname "$0")/lib.sh"

boot --cpu svm --kernel --no-modules --timeout "$QEMU_TIMEOUT" -- test-exit test-svm
expect_clean_pass
expect_line "${LOG}virtualization: AMD SVM with NPT"
expect_line "${LOG}svm: self-test passed \(5 exits\)$"
expect_no_line "svm: self-test failed"

boot --cpu pv --kernel --no-modules --timeout "$QEMU_TIMEOUT" -- test-exit test-svm
expect_clean_pass
expect_line "${LOG}svm: not available$"
expect_no_line "svm: self-test"
pass
