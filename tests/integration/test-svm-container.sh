#!/usr/bin/env bash
# test-hvm (booted by its old name test-svm): an SVM hardware container with
# nested paging runs a small guest program; each of its exits (CPUID, two
# OUTs, VMMCALL, HLT) arrives in order and is answered, and the guest's
# writes land in the frame its nested page table maps; a guest started in
# 64-bit mode takes an injected interrupt in its window. Without hardware
# virtualization the test (by its new name) reports so and passes.
source "$(dirname "$0")/lib.sh"

boot --cpu svm --kernel --no-modules --timeout "$QEMU_TIMEOUT" -- test-exit test-svm
expect_clean_pass
expect_line "${LOG}virtualization: AMD SVM with NPT"
expect_line "${LOG}hvm: self-test passed on AMD SVM \(5 exits\)$"
expect_line "${LOG}hvm: interrupt injection passed on AMD SVM \(64-bit guest\)$"
expect_no_line "hvm: self-test failed"

boot --cpu pv --kernel --no-modules --timeout "$QEMU_TIMEOUT" -- test-exit test-hvm
expect_clean_pass
expect_line "${LOG}hvm: not available$"
expect_no_line "hvm: self-test"
pass
