// The second part of the hardware-container self-test: a guest that starts
// in 64-bit mode takes an external interrupt the host injects through an
// interrupt window (test_container_guest64.S).
#include "arch/x86/cpu.hpp"
#include "arch/x86/hvm/test_container.hpp"
#include "arch/x86/hvm/test_container_support.hpp"

extern "C" const char hvm_test_guest64_start[];
extern "C" const char hvm_test_guest64_end[];

namespace pv::x86 {

namespace {

using container_test::fail;

// Guest-physical layout: code at 0x1000, the IDT at 0x2000, data at 0x3000,
// PML4/PDPT/PD at 0x4000-0x6000, the stack below 0x8000.
constexpr uint64_t k_frames = 8;
constexpr uint64_t k_code_gfn = 1, k_data_gfn = 3, k_pml4_gfn = 4, k_pdpt_gfn = 5, k_pd_gfn = 6;
constexpr uint8_t k_vector = 0x40;
constexpr uint32_t k_handler_mark = 0x1e7;
constexpr uint64_t k_rflags_if = 1u << 9;
constexpr uint64_t k_cr0_pg = 1ull << 31;
constexpr uint64_t k_efer_lma = 1ull << 10;
constexpr unsigned k_max_runs = 32;
// MSR values the host gives and the guest writes (canonical addresses).
constexpr uint32_t k_msr_efer = 0xc0000080, k_msr_lstar = 0xc0000082, k_msr_fs_base = 0xc0000100,
                   k_msr_kernel_gs_base = 0xc0000102;
constexpr uint64_t k_guest_lstar = 0xffff800012345678ull;
constexpr uint64_t k_guest_kernel_gs_base = 0x00007fff89abcdefull;
constexpr uint64_t k_guest_fs_base = 0x0000123400005678ull;
constexpr uint64_t k_efer_lme = 1ull << 8;

// Runs until an exit other than a physical interrupt (those the host takes
// in between, as a scheduler would); `reason` unknown after too many.
hvm::Exit run_once(hvm::Container& c) {
    for (unsigned runs = 0; runs < k_max_runs; ++runs) {
        const hvm::Exit exit = c.run();
        if (exit.reason != hvm::ExitReason::interrupt) return exit;
        enable_interrupts();
        cpu_relax();
        disable_interrupts();
    }
    return hvm::Exit{};
}

bool expect(hvm::Container& c, const hvm::Exit& exit, hvm::ExitReason reason) {
    if (exit.reason == reason) return true;
    log_error("hvm: exit {} (code {:#x}) at rip {:#x}, expected {}", hvm::describe(exit.reason),
              exit.vendor_code, c.rip(), hvm::describe(reason));
    return fail("the 64-bit guest's exits differ from its program");
}

// The guest read the LSTAR the host gave it and wrote KernelGSBase and the
// FS base directly (no exit); the container reports its values and the
// host's own stayed.
bool check_msrs(hvm::Container& c, const volatile uint32_t* data) {
    if ((uint64_t{data[5]} << 32 | data[4]) != k_guest_lstar)
        return fail("the guest read another LSTAR than the host gave it");
    const Result<uint64_t> kgs = c.read_state_msr(k_msr_kernel_gs_base);
    const Result<uint64_t> fs = c.read_state_msr(k_msr_fs_base);
    const Result<uint64_t> efer = c.read_state_msr(k_msr_efer);
    if (!kgs || *kgs != k_guest_kernel_gs_base || !fs || *fs != k_guest_fs_base)
        return fail("the container reports other MSR values than the guest wrote");
    if (!efer || (*efer & (k_efer_lme | k_efer_lma)) != (k_efer_lme | k_efer_lma))
        return fail("the container reports an EFER without long mode");
    if (c.read_state_msr(0x1b).is_ok() || c.write_state_msr(0xc0000103, 0).is_ok())
        return fail("the container claims an MSR it does not keep");
    return true;
}

bool drive(hvm::Container& c, const volatile uint32_t* data) {
    // Guest RFLAGS.IF is clear at the start: no injection yet, but a window.
    if (c.can_inject_interrupt()) return fail("an interrupt would be injected with RFLAGS.IF clear");
    c.request_interrupt_window(true);
    hvm::Exit exit = run_once(c);
    if (!expect(c, exit, hvm::ExitReason::interrupt_window)) return false;
    c.request_interrupt_window(false);
    if (!c.can_inject_interrupt()) return fail("no interrupt can be injected in the open window");
    c.inject_interrupt(k_vector);
    if (c.can_inject_interrupt()) return fail("a second interrupt could be queued over the first");
    exit = run_once(c);
    if (!expect(c, exit, hvm::ExitReason::hlt)) return false;
    if (data[0] != k_handler_mark) return fail("the guest's handler for the injected vector did not run");
    // The handler ran on the guest's stack: the CPU pushed a 64-bit frame below 0x8000.
    if (data[2] != 0x8000 - 5 * 8) return fail("the injected interrupt's frame is not where 64-bit mode puts it");
    const hvm::GuestPaging paging = c.paging();
    if (!(paging.cr0 & k_cr0_pg) || !(paging.efer & k_efer_lma) || paging.cr3 != k_pml4_gfn << 12)
        return fail("the container reports other paging controls than the 64-bit guest's");
    const hvm::Container::Snapshot snap = c.snapshot();
    if (!(snap.rflags & k_rflags_if) || snap.cs != 0x08)
        return fail("the snapshot disagrees with the 64-bit guest's state");
    if (!c.can_inject_interrupt()) return fail("no interrupt can be injected into the halted guest");
    return check_msrs(c, data);
}

} // namespace

bool run_container_interrupt_test(hvm::Backend& backend, FrameAllocator& frames) {
    container_test::GuestFrames<k_frames> memory(frames);
    if (!memory.allocate()) return fail("no frames for guest memory");
    memcpy(memory.bytes(k_code_gfn), hvm_test_guest64_start,
           static_cast<size_t>(hvm_test_guest64_end - hvm_test_guest64_start));
    // The guest's own tables: 0-2 MiB one to one with a 2 MiB page.
    constexpr uint64_t k_present_writable = 0x3, k_large = 0x80;
    reinterpret_cast<uint64_t*>(memory.bytes(k_pml4_gfn))[0] = (k_pdpt_gfn << 12) | k_present_writable;
    reinterpret_cast<uint64_t*>(memory.bytes(k_pdpt_gfn))[0] = (k_pd_gfn << 12) | k_present_writable;
    reinterpret_cast<uint64_t*>(memory.bytes(k_pd_gfn))[0] = k_large | k_present_writable;

    hvm::GuestStart start;
    start.mode = hvm::GuestMode::long64;
    start.rip = k_code_gfn << 12;
    start.rsp = k_frames << 12;
    start.cr3 = k_pml4_gfn << 12;
    Result<hvm::Container*> created = backend.create(start);
    if (!created) return fail("cannot create a second container");
    hvm::Container& container = **created;
    const uint64_t host_lstar = rdmsr(k_msr_lstar), host_kgs = rdmsr(k_msr_kernel_gs_base);
    bool ok = container.map({0, memory.mfns(), k_frames}).is_ok();
    if (!ok) fail("cannot map guest memory");
    if (ok && !container.write_state_msr(k_msr_lstar, k_guest_lstar))
        ok = fail("the container does not keep LSTAR");
    if (ok)
        ok = drive(container,
                   reinterpret_cast<const volatile uint32_t*>(memory.bytes(k_data_gfn)));
    if (ok && (rdmsr(k_msr_lstar) != host_lstar || rdmsr(k_msr_kernel_gs_base) != host_kgs))
        ok = fail("the guest's LSTAR or KernelGSBase stayed in the host's MSRs");
    backend.destroy(&container);
    if (ok) log_info("hvm: interrupt injection passed on {} (64-bit guest)", backend.name());
    return ok;
}

} // namespace pv::x86
