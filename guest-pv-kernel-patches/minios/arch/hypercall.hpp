// Hypercalls through the hypercall page, in every mode that has a
// hypervisor (PV: the builder fills the page; PVH: the hypervisor fills it
// when minios writes its address to the hypercall MSR, with vmcall/vmmcall
// stubs), with the x86-64 convention of
// include/public/hypercall.hpp: call hypercall_page + 32 * number with the
// arguments in rdi, rsi, rdx, r10, r8; the result comes back in rax.
// The hypervisor may clobber every argument register (Xen's debug builds do
// so on purpose), and the stub's SYSCALL clobbers rcx and r11.
#pragma once

#include "arch/frame.hpp"
#include "include/public/callback.hpp"
#include "include/public/console_io.hpp"
#include "include/public/control.hpp"
#include "include/public/event_channel.hpp"
#include "include/public/hvm.hpp"
#include "include/public/hypercall.hpp"
#include "include/public/memory.hpp"
#include "include/public/mmu.hpp"
#include "include/public/multicall.hpp"
#include "include/public/physdev.hpp"
#include "include/public/sched.hpp"
#include "include/public/vcpu.hpp"
#include "include/public/version.hpp"

#include <cstdint>

namespace minios::hv {

namespace abi = pv::abi;

// Any slot of the page, including numbers the hypervisor does not know
// (tests call those on purpose). `slot` must be below 128.
inline long call_slot(uint32_t slot, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                      uint64_t a4 = 0, uint64_t a5 = 0) {
    const uintptr_t target =
        reinterpret_cast<uintptr_t>(hypercall_page) +
        uintptr_t{slot % abi::k_hypercall_page_stubs} * abi::k_hypercall_page_stub_size;
    register uint64_t r10 asm("r10") = a4;
    register uint64_t r8 asm("r8") = a5;
    long result;
    asm volatile("call *%[target]"
                 : "=a"(result), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                 : [target] "r"(target)
                 : "rcx", "r9", "r11", "memory");
    return result;
}

inline long call(abi::Hypercall nr, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                 uint64_t a4 = 0, uint64_t a5 = 0) {
    return call_slot(abi::raw(nr), a1, a2, a3, a4, a5);
}

template <typename T> uint64_t ptr(T* p) {
    return reinterpret_cast<uintptr_t>(p);
}

// ---- the calls minios uses, one typed wrapper each -----------------------

inline long console_io(abi::ConsoleIoOp op, uint64_t count, const void* buffer) {
    return call(abi::Hypercall::console_io, abi::raw(op), count, ptr(buffer));
}

inline long xen_version(abi::VersionOp op, void* arg = nullptr) {
    return call(abi::Hypercall::xen_version, abi::raw(op), ptr(arg));
}

inline long sched_op(abi::SchedOp op, void* arg = nullptr) {
    return call(abi::Hypercall::sched_op, abi::raw(op), ptr(arg));
}

inline long shutdown(abi::ShutdownReason reason) {
    abi::SchedShutdown arg{abi::raw(reason)};
    return sched_op(abi::SchedOp::shutdown, &arg);
}

inline long set_trap_table(const abi::TrapInfo* table) {
    return call(abi::Hypercall::set_trap_table, ptr(table));
}

inline long callback_op(abi::CallbackOp op, const void* arg) {
    return call(abi::Hypercall::callback_op, abi::raw(op), ptr(arg));
}

inline long register_callback(abi::CallbackType type, void (*entry)(), uint16_t flags) {
    const abi::CallbackRegister reg{abi::raw(type), flags, 0, ptr(entry)};
    return callback_op(abi::CallbackOp::register_callback, &reg);
}

inline long stack_switch(uint64_t ss, uint64_t rsp) {
    return call(abi::Hypercall::stack_switch, ss, rsp);
}

inline long set_segment_base(abi::SegmentBase which, uint64_t base) {
    return call(abi::Hypercall::set_segment_base, abi::raw(which), base);
}

inline long fpu_taskswitch(bool set_ts) {
    return call(abi::Hypercall::fpu_taskswitch, set_ts ? 1 : 0);
}

inline long set_debugreg(uint32_t reg, uint64_t value) {
    return call(abi::Hypercall::set_debugreg, reg, value);
}

inline long get_debugreg(uint32_t reg) {
    return call(abi::Hypercall::get_debugreg, reg);
}

inline long vm_assist(abi::VmAssistCmd cmd, uint32_t type) {
    return call(abi::Hypercall::vm_assist, abi::raw(cmd), type);
}

inline long multicall(abi::MulticallEntry* calls, uint64_t count) {
    return call(abi::Hypercall::multicall, ptr(calls), count);
}

inline long physdev_op(abi::PhysdevOp op, void* arg) {
    return call(abi::Hypercall::physdev_op, abi::raw(op), ptr(arg));
}

inline long set_gdt(const uint64_t* frames, uint64_t entries) {
    return call(abi::Hypercall::set_gdt, ptr(frames), entries);
}

inline long update_descriptor(uint64_t machine_address, uint64_t descriptor) {
    return call(abi::Hypercall::update_descriptor, machine_address, descriptor);
}

// Page-table changes (the PV MMU): used only where minios can do without
// them when the hypervisor refuses.
inline long update_va_mapping(uint64_t va, uint64_t pte, uint64_t flags) {
    return call(abi::Hypercall::update_va_mapping, va, pte, flags);
}

// Another domain's frame at `va` in our own page tables (a privileged
// foreign mapping): `pte` names the frame of domain `domid`.
inline long update_va_mapping_otherdomain(uint64_t va, uint64_t pte, uint64_t flags,
                                          uint16_t domid) {
    return call(abi::Hypercall::update_va_mapping_otherdomain, va, pte, flags, domid);
}

inline long mmuext_op(abi::MmuextOp* ops, uint32_t count, uint32_t* done) {
    return call(abi::Hypercall::mmuext_op, ptr(ops), count, ptr(done), abi::k_domid_self);
}

inline long mmu_update(abi::MmuUpdate* reqs, uint32_t count, uint32_t* done) {
    return call(abi::Hypercall::mmu_update, ptr(reqs), count, ptr(done), abi::k_domid_self);
}

// One mmuext_op with only arg1 (pin, unpin, base pointers, invlpg, ...).
inline long mmuext(abi::MmuextCmd cmd, uint64_t arg1 = 0, uint64_t arg2 = 0) {
    abi::MmuextOp op{};
    op.cmd = abi::raw(cmd);
    op.arg1.mfn = arg1;
    op.arg2.src_mfn = arg2;
    uint32_t done = 0;
    return mmuext_op(&op, 1, &done);
}

inline long memory_op(abi::MemoryOp op, void* arg) {
    return call(abi::Hypercall::memory_op, abi::raw(op), ptr(arg));
}

// hvm_op (PVH): parameters and the upcall vector (include/public/hvm.hpp).
inline long hvm_op(abi::HvmOp op, void* arg) {
    return call(abi::Hypercall::hvm_op, abi::raw(op), ptr(arg));
}

// ---- the toolstack interface (include/public/control.hpp; privileged) ----

inline long sysctl(abi::Sysctl* op) {
    return call(abi::Hypercall::sysctl, ptr(op));
}

inline long domctl(abi::Domctl* op) {
    return call(abi::Hypercall::domctl, ptr(op));
}

// ---- events and time -------------------------------------------------------

inline long event_channel_op(abi::EventChannelOp op, void* arg) {
    return call(abi::Hypercall::event_channel_op, abi::raw(op), ptr(arg));
}

inline long vcpu_op(abi::VcpuOp op, uint32_t vcpu, void* arg = nullptr) {
    return call(abi::Hypercall::vcpu_op, abi::raw(op), vcpu, ptr(arg));
}

// Absolute system time in ns; 0 stops the timer.
inline long set_timer_op(uint64_t timeout) {
    return call(abi::Hypercall::set_timer_op, timeout);
}

} // namespace minios::hv
