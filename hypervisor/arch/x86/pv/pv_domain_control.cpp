#include "arch/x86/pv/pv_domain_control.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/pv/pv_schedule.hpp"
#include "arch/x86/pv/vcpu_context.hpp"
#include "core/grant/grant_table.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "include/public/shared_info.hpp"
#include "lib/log.hpp"

namespace pv::x86 {

namespace {
constexpr uint64_t k_page = 4096;

Status errno_status(long rc) { return rc < 0 ? Status(static_cast<Errno>(-rc)) : Status::ok(); }
} // namespace

Status PvDomainControl::add_to_scheduler(PvDomain& pd) {
    for (uint32_t i = 0; i < pd.domain.vcpu_count; ++i) {
        Status s = parts_.scheduler->add_vcpu(pd.vcpu(i), sched::SchedParams{});
        if (!s) {
            for (uint32_t j = 0; j < i; ++j) (void)parts_.scheduler->remove_vcpu(pd.vcpu(j));
            return s;
        }
    }
    return Status::ok();
}

Result<Domain*> PvDomainControl::create(const abi::DomctlCreateDomain& request, uint64_t& shared_info_mfn) {
    const bool pvh = request.flags & abi::k_create_pvh;
    if (pvh && parts_.containers == nullptr) {
        log_warning("domctl: PVH domain '{}' refused: {}", request.name,
                    parts_.no_containers_why ? parts_.no_containers_why : "no hardware containers");
        return Errno::eopnotsupp;
    }
    PvDomain* pd = TRY(parts_.registry->create(DomainRegistry::k_any_id, false));
    Domain& d = pd->domain;
    if (pvh) {
        if (Status s = pd->pvh.init(d, *parts_.containers, *parts_.frames); !s) {
            parts_.registry->release(*pd);
            return s.error();
        }
        d.pvh = true;
    }
    d.set_name(request.name);
    d.max_pages = request.max_memkb / 4;
    d.state = DomainState::building;
    pd->add_vcpus(request.max_vcpus);
    for (uint32_t i = 0; i < d.vcpu_count; ++i) fpu_init_state(pd->vcpu(i));

    // shared_info: the hypervisor's page, shared with the domain and not
    // part of its reservation (Xen's xenheap page).
    auto shared = parts_.mmu->allocate_shared_frame(d);
    if (!shared) {
        pd->pvh.release();
        parts_.registry->release(*pd);
        return shared.error();
    }
    auto* info = static_cast<abi::SharedInfo*>(phys_to_virt(*shared * k_page));
    for (auto& v : info->vcpu_info) v.evtchn_upcall_mask = 1; // events masked at start of day
    if (parts_.wallclock) {
        if (const abi::SharedInfo* from = parts_.wallclock()) {
            info->wc_sec = from->wc_sec;
            info->wc_sec_hi = from->wc_sec_hi;
            info->wc_nsec = from->wc_nsec;
            info->wc_version = from->wc_version & ~1u;
        }
    }
    d.shared_info_mfn = *shared;
    pd->events.attach_shared_info(info);

    if (Status s = add_to_scheduler(*pd); !s) {
        free_frames(d);
        pd->pvh.release();
        parts_.registry->release(*pd);
        return s.error();
    }
    shared_info_mfn = *shared;
    log_info("d{}: created '{}' ({}, {} vCPU{}, up to {} MiB)", d.id(), d.name(),
             pvh ? "PVH" : "PV", d.vcpu_count, d.vcpu_count == 1 ? "" : "s",
             d.max_pages * k_page >> 20);
    return &d;
}

void PvDomainControl::stop_vcpus(Domain& d) {
    PvDomain* pd = parts_.registry->find(d);
    for (uint32_t i = 0; i < d.vcpu_count; ++i) {
        Vcpu& v = *d.vcpus[i];
        if (pd) __atomic_store_n(&pd->timer_deadline[i], ~uint64_t{0}, __ATOMIC_RELEASE);
        pv_sleep(v);
    }
    // Every CPU that runs one of them passes its scheduling point at the
    // kick; wait for that with interrupts on (the wait is short, and other
    // CPUs may need this one meanwhile).
    for (uint32_t i = 0; i < d.vcpu_count; ++i) {
        while (parts_.scheduler->running_on(*d.vcpus[i]) >= 0) {
            pv_sleep(*d.vcpus[i]);
            asm volatile("sti; pause; cli" ::: "memory");
        }
    }
}

// What the domain's vCPUs hold beyond their page tables: the frames of
// their GDTs (descriptor-page type references) and of vcpu_info areas
// registered with VCPUOP_register_vcpu_info (writable type references).
void PvDomainControl::release_vcpu_frames(PvDomain& pd) {
    for (uint32_t i = 0; i < pd.domain.vcpu_count; ++i) {
        Vcpu& v = pd.vcpu(i);
        for (uint32_t f = 0; f < v.pv.gdt_frame_count; ++f) parts_.mmu->types().put_page_and_type(v.pv.gdt_frames[f]);
        v.pv.gdt_frame_count = 0;
        const uint64_t info_mfn = pd.events.vcpu_info_mfn(i);
        if (info_mfn != ~uint64_t{0}) parts_.services->unmap_guest_frame(pd.domain, info_mfn);
    }
}

// Every frame the domain still owns goes back (at once, or when the last
// reference held elsewhere goes: a foreign or grant mapping).
void PvDomainControl::free_frames(Domain& d) {
    FrameTable& table = parts_.frames->frame_table();
    for (uint64_t mfn = 0; mfn < table.frame_count(); ++mfn) {
        const FrameInfo* info = table.lookup(mfn);
        if (!info || info->owner != d.id() || (info->flags & k_frame_released)) continue;
        (void)parts_.mmu->release_frame(d, mfn);
    }
}

Status PvDomainControl::destroy(Domain& d) {
    PvDomain* pd = parts_.registry->find(d);
    if (!pd) return Errno::esrch;
    const bool again = d.state == DomainState::dying;
    d.state = DomainState::dying;
    if (!again) {
        stop_vcpus(d);
        for (uint32_t i = 0; i < d.vcpu_count; ++i) (void)parts_.scheduler->remove_vcpu(*d.vcpus[i]);
        release_vcpu_frames(*pd);
        pd->events.reset();
        if (parts_.grants) parts_.grants->release_domain(d);
        parts_.mmu->relinquish(d);
        pd->pvh.release(); // containers and nested tables; the frames are the domain's
        free_frames(d);
    }
    if (!pd->grants.idle()) {
        // Others still map its grants: it stays, dying, until they unmap
        // (a later destroy finishes it), as Xen keeps a zombie domain.
        log_warning("d{}: others still map its grants; kept until they unmap", d.id());
        return Status::ok();
    }
    const DomainId id = d.id();
    uint64_t still_referenced = 0;
    FrameTable& table = parts_.frames->frame_table();
    for (uint64_t mfn = 0; mfn < table.frame_count(); ++mfn) {
        const FrameInfo* info = table.lookup(mfn);
        if (info && info->owner == id) ++still_referenced;
    }
    log_info("d{}: destroyed{}", id, still_referenced ? " (some frames still mapped elsewhere)" : "");
    parts_.registry->release(*pd);
    return Status::ok();
}

Status PvDomainControl::pause(Domain& d) {
    d.state = DomainState::paused;
    for (uint32_t i = 0; i < d.vcpu_count; ++i) pv_sleep(*d.vcpus[i]);
    return Status::ok();
}

Status PvDomainControl::unpause(Domain& d) {
    if (d.state == DomainState::building && (d.vcpu_count == 0 || !d.vcpus[0]->initialised))
        return Errno::einval; // nothing to run yet
    d.state = DomainState::running;
    for (uint32_t i = 0; i < d.vcpu_count; ++i) {
        Vcpu& v = *d.vcpus[i];
        // A freshly built domain starts with its first vCPU.
        if (v.state == VcpuState::offline && i == 0 && v.initialised) {
            v.state = VcpuState::runnable;
            if (PvDomain* pd = parts_.registry->find(d)) pd->time(i).start();
        }
        pv_wake(v);
    }
    return Status::ok();
}

Status PvDomainControl::set_vcpu_context(Vcpu& v, const abi::VcpuGuestContext& context) {
    Domain& d = v.domain();
    if (d.state != DomainState::building && d.state != DomainState::paused) return Errno::ebusy;
    if (parts_.scheduler->running_on(v) >= 0) return Errno::ebusy;
    if (d.pvh) {
        PvDomain* pd = parts_.registry->find(d);
        if (!pd) return Errno::esrch;
        return set_pvh_context(*pd, v, context);
    }
    Status s = errno_status(apply_guest_context(v, context, *parts_.mmu, *parts_.services));
    if (!s) return s;
    for (size_t i = 0; i < sizeof v.pv.fpu; ++i) v.pv.fpu[i] = context.fpu_ctxt[i];
    fpu_sanitize(v);
    return Status::ok();
}

// A PVH vCPU starts at Xen's PVH start of day: the context names only the
// 32-bit entry point (user_regs.rip) and the hvm_start_info address
// (user_regs.rbx), both below 4 GiB; everything else is the container's
// reset state (DESIGN.md §1, hvm_start_info.hpp).
Status PvDomainControl::set_pvh_context(PvDomain& pd, Vcpu& v, const abi::VcpuGuestContext& context) {
    const abi::CpuUserRegs& u = context.user_regs;
    if (u.rip > 0xffffffffull || u.rbx > 0xffffffffull) return Errno::einval;
    TRY(pd.pvh.start_vcpu(v.id(), static_cast<uint32_t>(u.rip), static_cast<uint32_t>(u.rbx)));
    fpu_init_state(v);
    v.initialised = true;
    return Status::ok();
}

Status PvDomainControl::get_vcpu_context(Vcpu& v, abi::VcpuGuestContext& c) {
    if (parts_.scheduler->running_on(v) >= 0) return Errno::ebusy;
    c = {};
    for (size_t i = 0; i < sizeof v.pv.fpu; ++i) c.fpu_ctxt[i] = v.pv.fpu[i];
    if (v.pv.kernel_mode) c.flags |= abi::k_vgcf_in_kernel;
    const GuestRegisters& r = v.regs;
    abi::CpuUserRegs& u = c.user_regs;
    u.r15 = r.r15; u.r14 = r.r14; u.r13 = r.r13; u.r12 = r.r12; u.rbp = r.rbp; u.rbx = r.rbx;
    u.r11 = r.r11; u.r10 = r.r10; u.r9 = r.r9; u.r8 = r.r8; u.rax = r.rax; u.rcx = r.rcx;
    u.rdx = r.rdx; u.rsi = r.rsi; u.rdi = r.rdi;
    u.rip = r.rip;
    u.cs = static_cast<uint16_t>(r.cs);
    u.rflags = r.rflags;
    u.rsp = r.rsp;
    u.ss = static_cast<uint16_t>(r.ss);
    for (unsigned i = 0; i < 256; ++i) c.trap_ctxt[i] = v.pv.traps[i];
    for (unsigned i = 0; i < v.pv.gdt_frame_count && i < 14; ++i) c.gdt_frames[i] = v.pv.gdt_frames[i];
    c.kernel_ss = v.pv.kernel_ss;
    c.kernel_sp = v.pv.kernel_sp;
    c.ctrlreg[3] = v.pv.kernel_cr3;
    c.ctrlreg[1] = v.pv.user_cr3;
    for (unsigned i = 0; i < 8; ++i) c.debugreg[i] = v.pv.debugreg[i];
    c.event_callback_eip = v.pv.event.address;
    c.failsafe_callback_eip = v.pv.failsafe.address;
    c.syscall_callback_eip = v.pv.syscall.address;
    c.vm_assist = v.domain().vm_assist;
    c.fs_base = v.pv.fs_base;
    c.gs_base_kernel = v.pv.gs_base_kernel;
    c.gs_base_user = v.pv.gs_base_user;
    return Status::ok();
}

void PvDomainControl::vcpu_placement(const Vcpu& v, uint32_t& cpu, bool& running, uint64_t& affinity) {
    const int on = parts_.scheduler->running_on(v);
    running = on >= 0;
    cpu = on >= 0 ? static_cast<uint32_t>(on) : parts_.scheduler->last_cpu(v);
    affinity = parts_.scheduler->affinity(v) & parts_.scheduler->online_cpus();
}

Status PvDomainControl::set_affinity(Vcpu& v, uint64_t cpumap) {
    auto result = parts_.scheduler->set_affinity(v, cpumap);
    if (!result) return result.error();
    pv_kick_cpus(*result);
    return Status::ok();
}

Status PvDomainControl::set_sched_credit(Domain& d, uint32_t weight, uint32_t cap) {
    return parts_.scheduler->set_params(d, weight, cap);
}

Status PvDomainControl::get_sched_credit(const Domain& d, uint32_t& weight, uint32_t& cap) {
    auto params = parts_.scheduler->params(d);
    if (!params) return params.error();
    weight = params->weight;
    cap = params->cap;
    return Status::ok();
}

} // namespace pv::x86
