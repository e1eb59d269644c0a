// The VMX instructions as functions. Each reports VMfailInvalid (CF = 1) or
// VMfailValid (ZF = 1) as false (SDM Vol. 3 §31.2, "Conventions").
#pragma once

#include <cstdint>

namespace pv::x86::vmx {

// True when the instruction before set neither CF nor ZF (VMsucceed).
#define PV_VMX_SUCCEEDED(insn, ...)                                                                \
    bool failed;                                                                                   \
    asm volatile(insn "\n\tsetna %0" : "=qm"(failed) : __VA_ARGS__ : "cc", "memory");              \
    return !failed

[[nodiscard]] inline bool vmxon(uint64_t region_phys) {
    PV_VMX_SUCCEEDED("vmxon %1", "m"(region_phys));
}
[[nodiscard]] inline bool vmclear(uint64_t vmcs_phys) {
    PV_VMX_SUCCEEDED("vmclear %1", "m"(vmcs_phys));
}
[[nodiscard]] inline bool vmptrld(uint64_t vmcs_phys) {
    PV_VMX_SUCCEEDED("vmptrld %1", "m"(vmcs_phys));
}
[[nodiscard]] inline bool vmwrite_checked(uint32_t field, uint64_t value) {
    PV_VMX_SUCCEEDED("vmwrite %2, %1", "r"(uint64_t{field}), "rm"(value));
}

// INVEPT / INVVPID take a 128-bit descriptor in memory (SDM Vol. 2).
struct alignas(16) InvalidationDescriptor {
    uint64_t low, high;
};
[[nodiscard]] inline bool invept(uint64_t type, uint64_t eptp) {
    const InvalidationDescriptor d{eptp, 0};
    PV_VMX_SUCCEEDED("invept %1, %2", "m"(d), "r"(type));
}
[[nodiscard]] inline bool invvpid(uint64_t type, uint16_t vpid) {
    const InvalidationDescriptor d{vpid, 0};
    PV_VMX_SUCCEEDED("invvpid %1, %2", "m"(d), "r"(type));
}

#undef PV_VMX_SUCCEEDED

// With a current VMCS, writes to fields this code names cannot fail; the
// entry checks report a wrong value instead.
inline void vmwrite(uint32_t field, uint64_t value) { (void)vmwrite_checked(field, value); }
inline uint64_t vmread(uint32_t field) {
    uint64_t value = 0;
    asm volatile("vmread %1, %0" : "=rm"(value) : "r"(uint64_t{field}) : "cc");
    return value;
}

} // namespace pv::x86::vmx
