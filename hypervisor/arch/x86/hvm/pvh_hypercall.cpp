#include "arch/x86/hvm/pvh_exits.hpp"

#include "arch/x86/paging.hpp"
#include "core/hvm/guest_walk.hpp"
#include "core/hypercall/continuation.hpp"
#include "core/hypercall/hypercall_table.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "lib/log.hpp"

namespace pv::x86::hvm {

namespace {

// The domain's RAM as the hypervisor reaches it: nested table, then the
// direct map. Frames the hypervisor put there for the guest (shared_info)
// count too: the guest may hand their addresses to hypercalls.
class DomainFrames final : public pv::hvm::GuestFrameMap {
public:
    explicit DomainFrames(PvhDomain& pd) : pd_(pd) {}
    uint8_t* host_page(uint64_t gfn) override {
        Result<uint64_t> mfn = pd_.machine_frame(gfn);
        return mfn ? static_cast<uint8_t*>(phys_to_virt(*mfn << 12)) : nullptr;
    }

private:
    PvhDomain& pd_;
};

} // namespace

// VMMCALL / VMCALL: Xen's 64-bit hypercall convention, number in RAX and
// arguments in RDI, RSI, RDX, R10, R8 (R9 for the sixth), result in RAX.
// Only the guest kernel may call (CPL 0; Xen's hvm_hypercall answers
// -EPERM otherwise). A continuation re-executes the instruction with the
// arguments the handler left.
bool pvh_hypercall(Vcpu& v, PvhDomain& pd, Container& c, const Exit& exit) {
    GuestRegisters& r = c.registers();
    const Container::Snapshot state = c.snapshot();
    if ((state.cs & 3) != 0) {
        r.rax = static_cast<uint64_t>(-static_cast<long>(Errno::eperm));
        c.advance_past(exit);
        return true;
    }
    const GuestPaging paging = state.paging;
    DomainFrames frames(pd);
    pv::hvm::PvhGuestSpace space({paging.cr0, paging.cr3, paging.cr4, paging.efer}, frames);
    HypercallContext ctx(*pvh_environment().hypercalls, space);
    ctx.domain = &v.domain();
    ctx.vcpu = &v;
    ctx.domain_id = v.domain().id();
    ctx.vcpu_id = v.id();
    ctx.services = pvh_environment().services;
    v.counters.count_hypercall(r.rax);
    HypercallArgs args(r.rax, r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9);
    const long result = dispatch_hypercall(ctx, args);
    if (result < 0 && result != k_hypercall_restart)
        log_debug("d{}v{}: hypercall {}({:#x}, {:#x}, {:#x}) = {}", v.domain().id(), v.id(), args.number(),
                  args.raw(0), args.raw(1), args.raw(2), result);
    if (result == k_hypercall_restart) {
        r.rax = args.number();
        r.rdi = args.raw(0), r.rsi = args.raw(1), r.rdx = args.raw(2);
        r.r10 = args.raw(3), r.r8 = args.raw(4), r.r9 = args.raw(5);
        return true; // RIP stays on the instruction
    }
    r.rax = static_cast<uint64_t>(result);
    c.advance_past(exit);
    return true;
}

} // namespace pv::x86::hvm
