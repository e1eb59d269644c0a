#include "dom0-tools/lib/toolstack/start_context.hpp"

namespace pv::tools {

namespace {

constexpr uint64_t k_rflags_if = 1u << 9; // SDM Vol. 1 §3.4.3: interrupt enable

void clear(abi::VcpuGuestContext& context) {
    auto* raw = reinterpret_cast<uint8_t*>(&context);
    for (size_t i = 0; i < sizeof context; ++i)
        raw[i] = 0;
}

} // namespace

void make_start_context(const builder::PvBuildResult& built, abi::VcpuGuestContext& context) {
    clear(context);
    context.flags = abi::k_vgcf_in_kernel | abi::k_vgcf_online;
    abi::CpuUserRegs& regs = context.user_regs;
    regs.rip = built.entry;
    regs.rsp = built.stack_pointer;
    regs.rsi = built.start_info;
    regs.cs = abi::k_flat_kernel_cs;
    regs.ss = abi::k_flat_kernel_ss;
    regs.ds = regs.es = regs.fs = regs.gs = abi::k_flat_kernel_ds;
    regs.rflags = k_rflags_if;
    context.kernel_ss = abi::k_flat_kernel_ss;
    context.kernel_sp = built.stack_pointer;
    context.ctrlreg[3] = built.l4_maddr; // already mfn << 12
}

void make_pvh_start_context(const builder::PvhBuildResult& built, abi::VcpuGuestContext& context) {
    clear(context);
    context.user_regs.rip = built.entry;
    context.user_regs.rbx = built.start_info_gpa;
}

} // namespace pv::tools
