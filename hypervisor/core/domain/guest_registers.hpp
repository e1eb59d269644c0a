// A PV vCPU's general registers and interrupt frame while it is not on a
// CPU. The order matches arch/x86 TrapFrame (without vector and error
// code) so that the entry path can copy one into the other as a block.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pv {

struct GuestRegisters {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(GuestRegisters) == 20 * 8);
static_assert(offsetof(GuestRegisters, rax) == 14 * 8);
static_assert(offsetof(GuestRegisters, rip) == 15 * 8);

namespace rflags {
inline constexpr uint64_t cf = 1ull << 0, reserved1 = 1ull << 1, tf = 1ull << 8, if_ = 1ull << 9;
inline constexpr uint64_t df = 1ull << 10, iopl_mask = 3ull << 12, nt = 1ull << 14, rf = 1ull << 16;
inline constexpr uint64_t vm = 1ull << 17, ac = 1ull << 18, vif = 1ull << 19, vip = 1ull << 20;
inline constexpr uint64_t id = 1ull << 21;
// What a PV guest may set in its own RFLAGS: never IOPL (virtualised per
// vCPU), VM, VIF/VIP or NT; IF is always on in hardware while it runs.
inline constexpr uint64_t guest_writable = 0x3f7fd7ull & ~(iopl_mask | vm | vif | vip | nt);
} // namespace rflags

} // namespace pv
