// Control-register moves the container completes itself (CR-access exits):
// they come from the CR0/CR4 bits the host owns and, on CPUs that force
// those exits, CR3 and CR8 moves. Generic code never sees them.
#include "arch/x86/vmx/exit_decode.hpp"
#include "arch/x86/vmx/guest_bits.hpp"
#include "arch/x86/vmx/vmx_container.hpp"

namespace pv::x86::vmx {

using namespace bits;

uint64_t& VmxContainer::gpr(unsigned index) {
    // The register numbering of the exit qualifications: RAX, RCX, RDX, RBX,
    // RSP, RBP, RSI, RDI, R8-R15 (Table 28-3).
    hvm::GuestRegisters& r = registers_;
    uint64_t* const by_number[16] = {&r.rax, &r.rcx, &r.rdx, &r.rbx, &guest_.rsp, &r.rbp,
                                     &r.rsi, &r.rdi, &r.r8,  &r.r9,  &r.r10,      &r.r11,
                                     &r.r12, &r.r13, &r.r14, &r.r15};
    return *by_number[index & 15];
}

// MOV to CR0 as the guest meant it: the host-owned bits (CR0.NE) keep their
// forced value and the guest reads its own from the shadow. Turning paging
// on or off here (the move also changed a host-owned bit, so it exited
// instead of running) does what the CPU would: EFER.LMA follows CR0.PG when
// EFER.LME is set (SDM Vol. 3 §10.8.5). Not done: loading the PDPTEs for
// 32-bit PAE paging turned on by such a move (a move that changes only
// guest-owned bits runs in the guest and loads them itself). False: the
// value faults (#GP).
bool VmxContainer::write_cr0(uint64_t value) {
    if ((value >> 32) != 0 || ((value & k_cr0_pg) && !(value & k_cr0_pe))) return false;
    GuestState& g = guest_;
    const bool paging_on = value & k_cr0_pg, paging_was = g.cr0 & k_cr0_pg;
    if (paging_on && !paging_was && (g.efer & k_efer_lme)) {
        if (!(g.cr4 & k_cr4_pae)) return false;
        g.efer |= k_efer_lma;
    } else if (!paging_on && paging_was) {
        g.efer &= ~k_efer_lma;
    }
    g.cr0_shadow = value;
    g.cr0 = real_cr0(*setup_, value);
    flush_pending_ = true; // paging changes drop the guest's translations
    return true;
}

// CR-access exits come from the host-owned CR0/CR4 bits and, on CPUs that
// force them, CR3 and CR8 moves; the container completes them itself so
// generic code never sees them. False: not one of those (then it is an
// unknown exit).
bool VmxContainer::emulate_cr_access(uint64_t qualification, uint32_t length) {
    using namespace cr_qualification;
    const unsigned cr = qualification & cr_mask;
    const unsigned type = (qualification >> type_shift) & type_mask;
    uint64_t& reg = gpr((qualification >> register_shift) & register_mask);
    GuestState& g = guest_;
    bool ok = true;
    if (type == 0 && cr == 0) {
        ok = write_cr0(reg);
    } else if (type == 0 && cr == 4) {
        // CR4.VMXE is the host's: to the guest, which is not offered VMX, it is reserved.
        if ((reg >> 32) != 0 || (reg & cr4_forced(*setup_)) ||
            ((g.efer & k_efer_lma) && !(reg & k_cr4_pae))) {
            ok = false;
        } else {
            g.cr4_shadow = reg;
            g.cr4 = real_cr4(*setup_, reg);
            flush_pending_ = true;
        }
    } else if (type == 0 && cr == 3) {
        g.cr3 = reg;
        flush_pending_ = true;
    } else if (type == 0 && cr == 8) {
        g.cr8 = static_cast<uint8_t>(reg & 0xf);
    } else if (type == 1 && cr == 3) {
        reg = g.cr3;
    } else if (type == 1 && cr == 8) {
        reg = g.cr8;
    } else if (type == 2) { // CLTS
        g.cr0 &= ~k_cr0_ts;
        g.cr0_shadow &= ~k_cr0_ts;
    } else if (type == 3) { // LMSW: the low four bits; PE can be set, not cleared
        const uint64_t source = (qualification >> lmsw_source_shift) & 0xf;
        ok = write_cr0((g.cr0_shadow & ~0xeull) | source | (g.cr0_shadow & k_cr0_pe));
    } else {
        return false;
    }
    if (!ok) {
        inject_exception(k_vector_gp, 0);
        return true;
    }
    set_rip(g.rip + length);
    return true;
}

} // namespace pv::x86::vmx
