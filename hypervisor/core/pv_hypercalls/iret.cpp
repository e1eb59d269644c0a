// iret: Xen's do_iret for a 64-bit PV guest (arch/x86/pv/iret.c).
//
// The guest kernel jumps to the iret stub with an IretContext at its rsp
// (rax, r11, rcx pushed by the stub on top of flags, rip, cs, rflags, rsp,
// ss). The handler replaces the guest frame (ctx.regs, or vcpu.regs):
//   * the IretContext is read from the guest stack; a fault crashes the
//     domain (services->domain_crash) and the call returns 0;
//   * (cs & 3) == 3 means a return to guest user mode: without user page
//     tables (pv.user_cr3 == 0) the domain is crashed; otherwise
//     pv.kernel_mode flips and services->guest_mode_changed() is called;
//   * with VMASST architectural_iopl, the virtual IOPL follows rflags.IOPL;
//   * rip, rsp are restored; cs and ss get RPL 3; rflags loses IOPL and VM
//     and gains IF (the real IF is always on for a PV guest);
//   * unless the frame's flags hold VGCF_in_syscall, r11 and rcx are
//     restored too (and the arch must then return with IRETQ: SYSRET would
//     overwrite them);
//   * the vCPU's evtchn_upcall_mask becomes !rflags.IF (the virtual IF);
//   * rax is set to the frame's rax, which is also the result.
// ctx.regs_replaced tells the arch code all this happened (see
// hypercall_context.hpp). Nothing else in the frame changes.
//
// Not here yet: Xen's async_exception_cleanup (NMI/MCE masks restored on
// iret) belongs with NMI delivery.
#include "core/pv_hypercalls/common.hpp"
#include "core/pv_hypercalls/handlers.hpp"

namespace pv {

long do_iret(HypercallContext& ctx, const HypercallArgs&) {
    if (!pvh::has_caller(ctx)) return pvh::error(Errno::enosys);
    Vcpu& vcpu = *ctx.vcpu;
    GuestRegisters& regs = ctx.regs != nullptr ? *ctx.regs : vcpu.regs;
    HypervisorServices& services = *ctx.services;

    abi::IretContext saved;
    if (!copy_from_guest(ctx.guest, GuestHandle<abi::IretContext>(regs.rsp), saved)) {
        services.domain_crash(*ctx.domain,
                              "iret: fault reading the IRET context from the guest stack");
        return 0;
    }

    if ((saved.cs & 3) == 3) {
        if (vcpu.pv.user_cr3 == 0) {
            services.domain_crash(*ctx.domain,
                                  "iret: switching to user mode with no user page tables");
            return 0;
        }
        vcpu.pv.kernel_mode = !vcpu.pv.kernel_mode;
        services.guest_mode_changed(vcpu);
    }

    if (pvh::vm_assist_enabled(*ctx.domain, abi::VmAssistType::architectural_iopl))
        vcpu.pv.iopl = static_cast<uint8_t>((saved.rflags & rflags::iopl_mask) >> 12);

    regs.rip = saved.rip;
    regs.cs = saved.cs | 3;
    regs.rflags = (saved.rflags & ~(rflags::iopl_mask | rflags::vm)) | rflags::if_;
    regs.rsp = saved.rsp;
    regs.ss = saved.ss | 3;
    if ((saved.flags & abi::k_vgcf_in_syscall) == 0) {
        regs.r11 = saved.r11;
        regs.rcx = saved.rcx;
    }
    regs.rax = saved.rax;

    if (abi::VcpuInfo* info = services.vcpu_info(vcpu))
        pvh::store_shared(info->evtchn_upcall_mask, (saved.rflags & rflags::if_) == 0 ? 1 : 0);

    ctx.regs_replaced = true;
    return static_cast<long>(saved.rax);
}

} // namespace pv
