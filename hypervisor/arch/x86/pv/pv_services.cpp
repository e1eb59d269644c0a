#include "arch/x86/pv/pv_services.hpp"


#include "arch/x86/cpu.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/pv/pv_schedule.hpp"
#include "arch/x86/pv/pv_vcpu.hpp"
#include "core/event/event_channels.hpp"
#include "core/hvm_hypercalls/hvm_domain_ops.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "lib/log.hpp"

namespace pv::x86 {

namespace {
const char* reason_name(uint8_t reason) {
    static const char* const names[] = {"poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset"};
    return reason < 6 ? names[reason] : "unknown";
}
} // namespace

// Guest output goes to the hypervisor console as whole lines prefixed with
// the domain (Xen prints "(d0) ..." the same way), so that guest and
// hypervisor lines never interleave mid-line.
void PvServices::emit_line() {
    line_[line_length_] = '\0';
    if (line_privileged_ && hooks_.console) {
        hooks_.console->write(StringView(line_, line_length_));
        hooks_.console->write("\n");
    } else {
        log_info("(d{}) {}", line_domain_, StringView(line_, line_length_));
    }
    line_length_ = 0;
}

void PvServices::console_write(Domain& domain, StringView bytes) {
    LockGuard guard(console_lock_);
    // Another domain's unfinished line goes out on its own first.
    if (line_length_ > 0 && line_domain_ != domain.id()) emit_line();
    line_domain_ = domain.id();
    line_privileged_ = domain.privileged();
    for (char c : bytes) {
        if (c == '\r') continue;
        if (c != '\n' && line_length_ < sizeof line_ - 1) {
            line_[line_length_++] = c;
            if (line_length_ < sizeof line_ - 1) continue;
        }
        emit_line();
    }
    // A prompt has no newline: show it now.
    if (domain.privileged() && hooks_.console && line_length_ > 0) {
        hooks_.console->write(StringView(line_, line_length_));
        line_length_ = 0;
    }
}

void PvServices::fill_input() {
    if (!hooks_.input) return;
    while (input_count_ < sizeof input_) {
        int c = hooks_.input->try_get();
        if (c < 0) break;
        input_[(input_head_ + input_count_++) % sizeof input_] = static_cast<char>(c);
    }
}

bool PvServices::console_input_pending() {
    LockGuard guard(input_lock_);
    fill_input();
    return input_count_ > 0;
}

size_t PvServices::console_input_peek(char* buf, size_t n) {
    LockGuard guard(input_lock_);
    fill_input();
    size_t count = n < input_count_ ? n : input_count_;
    for (size_t i = 0; i < count; ++i) buf[i] = input_[(input_head_ + i) % sizeof input_];
    return count;
}

void PvServices::console_input_consume(size_t n) {
    LockGuard guard(input_lock_);
    if (n > input_count_) n = input_count_;
    input_head_ = (input_head_ + n) % sizeof input_;
    input_count_ -= n;
}

void PvServices::yield(Vcpu& vcpu) { pv_yield(vcpu); }

// The handler set the state; the scheduler re-checks it under its lock, so
// an event that woke the vCPU meanwhile is not lost.
void PvServices::block(Vcpu& vcpu) { pv_sleep(vcpu); }

void PvServices::domain_shutdown(Domain& domain, uint8_t reason) {
    if (domain.state == DomainState::shut_down || domain.state == DomainState::dying) return;
    domain.state = DomainState::shut_down;
    domain.shutdown_reason = static_cast<abi::ShutdownReason>(reason);
    log_info("d{}: shut down ({})", domain.id(), reason_name(reason));
    if (hooks_.domain_stopped) hooks_.domain_stopped(domain);
}

void PvServices::set_shutdown_code(Domain& domain, uint8_t reason) {
    domain.shutdown_reason = static_cast<abi::ShutdownReason>(reason);
}

void PvServices::domain_crash(Domain& domain, const char* why) {
    log_error("d{}: crashed: {}", domain.id(), why);
    domain_shutdown(domain, static_cast<uint8_t>(abi::ShutdownReason::crash));
}

Domain* PvServices::domain_by_id(DomainId id) { return hooks_.domain_by_id ? hooks_.domain_by_id(id) : nullptr; }

void PvServices::domain_handle(const Domain&, uint8_t (&handle)[16]) {
    for (auto& b : handle) b = 0;
}

abi::VcpuInfo* PvServices::vcpu_info(Vcpu& vcpu) {
    // A PV vCPU's entry paths keep the answer (pv_vcpu.hpp, cached_vcpu_info).
    if (abi::VcpuInfo* cached = __atomic_load_n(&vcpu.pv.vcpu_info, __ATOMIC_RELAXED)) return cached;
    return &vcpu_info_of(vcpu);
}

// register_vcpu_info: the guest's own frame, kept as an ordinary writable
// page for as long as the hypervisor writes into it.
void* PvServices::map_guest_frame(Domain& domain, uint64_t mfn) {
    // A PVH guest names guest frames: the nested table says which machine
    // frame is behind it. Its frames are its own until it is destroyed and
    // carry no PV page types, so nothing is counted.
    if (domain.pvh) {
        HvmDomainOps* hvm = hvm_ops(domain);
        uint64_t machine = 0;
        if (hvm == nullptr || hvm->machine_frame_of(mfn, machine) < 0) return nullptr;
        return phys_to_virt(machine * 4096);
    }
    if (!hooks_.mmu || !hooks_.mmu->types().get_page_and_type(mfn, FrameType::writable, domain)) return nullptr;
    return phys_to_virt(mfn * 4096);
}

void PvServices::unmap_guest_frame(Domain& domain, uint64_t mfn) {
    if (domain.pvh) return; // nothing was counted (map_guest_frame)
    if (hooks_.mmu) hooks_.mmu->types().put_page_and_type(mfn);
}

void PvServices::debugreg_changed(Vcpu& vcpu, unsigned reg) {
    // Loaded while the guest runs; DR7 last so a breakpoint never arms
    // with a stale address.
    uint64_t value = vcpu.pv.debugreg[reg];
    switch (reg) {
    case 0: asm volatile("mov %0, %%db0" ::"r"(value)); break;
    case 1: asm volatile("mov %0, %%db1" ::"r"(value)); break;
    case 2: asm volatile("mov %0, %%db2" ::"r"(value)); break;
    case 3: asm volatile("mov %0, %%db3" ::"r"(value)); break;
    case 6: asm volatile("mov %0, %%db6" ::"r"(value)); break;
    case 7: asm volatile("mov %0, %%db7" ::"r"(value)); break;
    default: break;
    }
}

// SEGBASE_GS_USER_SEL: load a selector into the guest user's GS, whose base
// lives in KERNEL_GS_BASE while the hypervisor runs, and report the base the
// load produced.
uint64_t PvServices::load_user_gs_selector(Vcpu& vcpu, uint16_t selector) {
    // Only selectors that cannot fault: null, or the flat ring-3 entries of
    // the hypervisor's GDT page (guest GDTs come with the PV MMU).
    uint16_t index = selector & ~uint16_t(3);
    if (index != 0 && index != 0xe020 && index != 0xe028 && index != 0xe030) return vcpu.pv.gs_base_user;
    if (index != 0) selector |= 3;
    InterruptsOff off;
    uint64_t ours = rdmsr(msr::gs_base);
    asm volatile("swapgs\n\t"
                 "1: mov %w0, %%gs\n\t"
                 "swapgs" ::"r"(selector)
                 : "memory");
    uint64_t base = rdmsr(msr::kernel_gs_base);
    wrmsr(msr::gs_base, ours);
    vcpu.pv.gs_base_user = base;
    if (vcpu.pv.kernel_mode) wrmsr(msr::kernel_gs_base, vcpu.pv.gs_base_kernel);
    return base;
}

// A guest GDT lives in frames the guest can no longer write: each is typed
// as a descriptor page (every descriptor checked) for as long as it is
// installed, then shown below the hypervisor's own entries (Xen's
// pv_set_gdt).
long PvServices::set_gdt(Vcpu& vcpu, const uint64_t* frames, unsigned nr_frames, unsigned) {
    PvMmu* mmu = hooks_.mmu;
    if (!mmu) return nr_frames == 0 ? 0 : -static_cast<long>(Errno::enosys);
    Domain& d = vcpu.domain();
    for (unsigned i = 0; i < nr_frames; ++i) {
        if (!mmu->types().get_page_and_type(frames[i], FrameType::segdesc, d)) {
            while (i-- > 0) mmu->types().put_page_and_type(frames[i]);
            return -static_cast<long>(Errno::einval);
        }
    }
    for (uint32_t i = 0; i < vcpu.pv.gdt_frame_count; ++i) mmu->types().put_page_and_type(vcpu.pv.gdt_frames[i]);
    for (unsigned i = 0; i < nr_frames; ++i) vcpu.pv.gdt_frames[i] = frames[i];
    vcpu.pv.gdt_frame_count = nr_frames;
    if (hooks_.load_guest_gdt && !hooks_.load_guest_gdt(vcpu)) return -static_cast<long>(Errno::enomem);
    return 0;
}

// One descriptor: into a live descriptor page (already checked by the
// caller) or into an ordinary page of the domain's.
long PvServices::update_descriptor(Domain& domain, uint64_t maddr, uint64_t desc) {
    PvMmu* mmu = hooks_.mmu;
    if (!mmu) return -static_cast<long>(Errno::enosys);
    uint64_t mfn = maddr >> 12;
    PageTypes& types = mmu->types();
    if (!types.get_page(mfn, domain)) return -static_cast<long>(Errno::einval);
    bool live = types.effective_type(mfn) == FrameType::segdesc;
    if (!live && !types.get_page_type(mfn, FrameType::writable, domain)) {
        types.put_page(mfn);
        return -static_cast<long>(Errno::einval);
    }
    static_cast<volatile uint64_t*>(phys_to_virt(mfn * 4096))[(maddr & 0xfff) / 8] = desc;
    if (!live) types.put_page_type(mfn);
    types.put_page(mfn);
    return 0;
}

} // namespace pv::x86
