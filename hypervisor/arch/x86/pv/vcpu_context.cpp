#include "arch/x86/pv/vcpu_context.hpp"

#include "arch/x86/pv/pv_vcpu.hpp"
#include "core/hypercall/guest_memory.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "core/pv_mm/pv_mmu.hpp"

namespace pv::x86 {

namespace {

constexpr long k_einval = -static_cast<long>(Errno::einval);
constexpr uint32_t k_max_ldt_entries = 8192;

// A guest address the guest may name: canonical and outside the hypervisor.
bool guest_address(uint64_t va) { return is_canonical_address(va) && guest_range_plausible(va, 1); }

uint16_t guest_selector(uint16_t selector) { return selector | 3; }

} // namespace

long apply_guest_context(Vcpu& v, const abi::VcpuGuestContext& c, PvMmu& mmu, HypervisorServices& services) {
    const abi::CpuUserRegs& u = c.user_regs;
    // Everything the guest names must be a guest address (Xen: -EINVAL).
    if (!is_canonical_address(u.rip) || !is_canonical_address(u.rsp)) return k_einval;
    if ((c.event_callback_eip && !guest_address(c.event_callback_eip)) ||
        (c.failsafe_callback_eip && !guest_address(c.failsafe_callback_eip)) ||
        (c.syscall_callback_eip && !guest_address(c.syscall_callback_eip)) ||
        !is_canonical_address(c.fs_base) || !is_canonical_address(c.gs_base_kernel) ||
        !is_canonical_address(c.gs_base_user) || !is_canonical_address(c.kernel_sp))
        return k_einval;
    if (c.ldt_ents > k_max_ldt_entries || (c.ldt_base & 0xfff) != 0 || (c.ldt_ents && !guest_address(c.ldt_base)))
        return k_einval;
    for (const abi::TrapInfo& t : c.trap_ctxt)
        if (t.address && !is_canonical_address(t.address)) return k_einval;
    // User mode needs a user page table (Xen refuses the context otherwise).
    if (!(c.flags & abi::k_vgcf_in_kernel) && c.ctrlreg[1] == 0) return k_einval;

    // Page tables first: the only part that can fail on the guest's frames.
    uint64_t kernel_mfn = c.ctrlreg[3] >> 12, user_mfn = c.ctrlreg[1] >> 12;
    if (!mmu.new_baseptr(v, kernel_mfn)) return k_einval;
    if (user_mfn && !mmu.new_user_baseptr(v, user_mfn)) return k_einval;
    if (c.gdt_ents) {
        unsigned frames = static_cast<unsigned>((c.gdt_ents + 511) / 512);
        if (frames > 14) return k_einval;
        long rc = services.set_gdt(v, c.gdt_frames, frames, static_cast<unsigned>(c.gdt_ents));
        if (rc < 0) return rc;
    }

    PvVcpuState& pv = v.pv;
    for (unsigned i = 0; i < 256; ++i) {
        pv.traps[i] = c.trap_ctxt[i];
        if (pv.traps[i].address) pv.traps[i].cs = guest_selector(pv.traps[i].cs);
    }
    pv.event = {c.event_callback_eip, true};
    pv.failsafe = {c.failsafe_callback_eip, (c.flags & abi::k_vgcf_failsafe_disables_events) != 0};
    pv.syscall = {c.syscall_callback_eip, false};
    pv.kernel_ss = guest_selector(static_cast<uint16_t>(c.kernel_ss));
    pv.kernel_sp = c.kernel_sp;
    pv.fs_base = c.fs_base;
    pv.gs_base_kernel = c.gs_base_kernel;
    pv.gs_base_user = c.gs_base_user;
    pv.kernel_mode = (c.flags & abi::k_vgcf_in_kernel) != 0;

    GuestRegisters& r = v.regs;
    r = GuestRegisters{};
    r.r15 = u.r15; r.r14 = u.r14; r.r13 = u.r13; r.r12 = u.r12; r.rbp = u.rbp; r.rbx = u.rbx;
    r.r11 = u.r11; r.r10 = u.r10; r.r9 = u.r9; r.r8 = u.r8; r.rax = u.rax; r.rcx = u.rcx;
    r.rdx = u.rdx; r.rsi = u.rsi; r.rdi = u.rdi;
    r.rip = u.rip;
    r.cs = guest_selector(u.cs);
    // IOPL is virtual (Xen's arch_set_info_guest): Linux starts secondary
    // vCPUs with IOPL 1 so that their kernel may use I/O ports.
    pv.iopl = static_cast<uint8_t>((u.rflags & rflags::iopl_mask) >> 12);
    r.rflags = (u.rflags & rflags::guest_writable) | rflags::if_ | rflags::reserved1;
    r.rsp = u.rsp;
    r.ss = guest_selector(u.ss);
    // The event mask stays as the guest left it in vcpu_info (Xen does not
    // take saved_upcall_mask from an initialise context).
    (void)services;
    v.initialised = true;
    return 0;
}

} // namespace pv::x86
