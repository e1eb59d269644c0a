#!/usr/bin/env bash
# test-hvm on Intel VMX (Bochs' corei7_skylake_x: EPT, unrestricted guest,
# VPID): a VMX hardware container runs the same small guest program as on
# SVM; its exits (CPUID, two OUTs, VMCALL, HLT) arrive in order and are
# answered, its CR0.NE write is completed inside the container, and its
# writes land in the frame its EPT maps. Then a guest started in 64-bit mode
# opens an interrupt window and takes an injected vector through its IDT.
source "$(dirname "$0")/lib.sh"

boot --cpu vmx --no-modules --timeout "$BOCHS_TIMEOUT" -- test-exit test-hvm
expect_clean_pass
expect_line "${LOG}virtualization: Intel VMX with EPT, unrestricted guest"
expect_line "${LOG}hvm: self-test passed on Intel VMX \(5 exits\)$"
expect_line "${LOG}hvm: interrupt injection passed on Intel VMX \(64-bit guest\)$"
expect_no_line "hvm: self-test failed"
expect_no_line "hvm: no hardware containers"
pass
