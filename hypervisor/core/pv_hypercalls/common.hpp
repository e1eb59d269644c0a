// Helpers shared by the PV hypercall handlers (not part of their interface).
#pragma once

#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "core/hypercall/hypercall_context.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "include/public/errno.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::pvh {

constexpr long error(Errno e) {
    return -static_cast<long>(e);
}

// True if the handler has a caller to work on (arch code always sets all
// three; a context without them is a hypervisor bug or a bare test).
inline bool has_caller(const HypercallContext& ctx) {
    return ctx.domain != nullptr && ctx.vcpu != nullptr && ctx.services != nullptr;
}

// A 64-bit PV guest kernel runs in ring 3: Xen's GUEST_KERNEL_RPL is 3 and
// __fixup_guest_selector raises any lower RPL to it, i.e. sets RPL 3.
// (fixup_guest_code_selector / fixup_guest_stack_selector.)
inline constexpr unsigned k_guest_kernel_rpl = 3;
template <typename T> constexpr T fixup_guest_selector(T sel) {
    return (sel & 3) >= k_guest_kernel_rpl ? sel
                                           : static_cast<T>((sel & ~T{3}) | k_guest_kernel_rpl);
}

// Xen's __addr_ok() on x86-64: below the canonical hole, or at/after the end
// of the hypervisor's reserved range. (Non-canonical addresses and the
// hypervisor range itself fail.)
constexpr bool guest_address_ok(uint64_t va) {
    return va < (uint64_t{1} << 47) || va >= abi::k_hypervisor_virt_end;
}

// Xen's is_canonical_address().
constexpr bool canonical(uint64_t va) {
    return is_canonical_address(va);
}

// Whether a VM assist is enabled for the domain (Xen's VM_ASSIST()).
inline bool vm_assist_enabled(const Domain& d, abi::VmAssistType t) {
    const auto bit = abi::raw(t);
    if (bit >= sizeof(d.vm_assist) * 8) return false;
    return (static_cast<uint64_t>(d.vm_assist) >> bit) & 1;
}

// Atomic byte access to vcpu_info, which the guest writes concurrently.
inline uint8_t load_shared(const uint8_t& b) {
    return __atomic_load_n(&b, __ATOMIC_SEQ_CST);
}
inline void store_shared(uint8_t& b, uint8_t v) {
    __atomic_store_n(&b, v, __ATOMIC_SEQ_CST);
}

// Copy a NUL-terminated string into a fixed field: truncated to size - 1
// bytes, the rest zero (Xen's memset + safe_strcpy).
inline void copy_string_field(char* dst, size_t size, const char* src) {
    size_t i = 0;
    if (src != nullptr)
        for (; i + 1 < size && src[i] != '\0'; ++i)
            dst[i] = src[i];
    for (; i < size; ++i)
        dst[i] = '\0';
}

} // namespace pv::pvh
