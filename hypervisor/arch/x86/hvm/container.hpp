// A hardware container: one guest vCPU running in SVM guest mode or VMX
// non-root mode over nested page tables (DESIGN.md §1, PVH). Generic code
// uses only this interface; arch/x86/svm implements it (VMX will too), and
// the vendor is chosen once at boot when the Backend is made.
#pragma once

#include "arch/x86/hvm/exit.hpp"
#include "arch/x86/hvm/guest_registers.hpp"
#include "core/hvm/nested_page_table.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::x86::hvm {

// How the guest starts. Segments are flat (base 0, limit 4 GiB), ring 0.
enum class GuestMode : uint8_t {
    protected32_unpaged, // Xen's PVH start of day: CR0.PE only, paging off
    long64,              // CR0.PG, CR4.PAE, EFER.LME/LMA; `cr3` is the guest's PML4
};

struct GuestStart {
    GuestMode mode = GuestMode::protected32_unpaged;
    uint64_t rip = 0;
    uint64_t rsp = 0;
    uint64_t cr3 = 0; // long64 only
    GuestRegisters registers{};
    // The domain's nested table (Backend::nested_format()), shared by all of
    // its vCPUs; 0: the container makes and owns a table of its own, filled
    // through Container::map (the self-test's case).
    uint64_t nested_root = 0;
};

// The guest's paging controls, for walking its own page tables.
struct GuestPaging {
    uint64_t cr0 = 0, cr3 = 0, cr4 = 0, efer = 0;
};

// Guest-physical memory of a container: `count` frames mapped from guest
// frame `first_gfn` on, each to its own host frame.
struct GuestMemoryRange {
    uint64_t first_gfn = 0;
    const uint64_t* host_frames = nullptr;
    uint64_t count = 0;
};

class Container {
public:
    // The registers the world switch restores on the next run(); changes
    // made here (an answer to CPUID, a hypercall's result) reach the guest.
    virtual GuestRegisters& registers() = 0;
    virtual uint64_t rip() const = 0;
    // Also ends an interrupt shadow (STI, MOV SS): the instruction it
    // covered is done once the hypervisor steps past it; a stale shadow
    // would keep the guest from ever taking an interrupt after `sti; hlt`.
    virtual void set_rip(uint64_t rip) = 0;
    virtual uint64_t rsp() const = 0;
    // Steps over the instruction that caused `exit` (Exit::instruction_length).
    void advance_past(const Exit& exit) { set_rip(rip() + exit.instruction_length); }

    // Adds to the nested page tables. ENOMEM when no frame is left for a table.
    virtual Status map(const GuestMemoryRange& range) = 0;
    // Host frame behind guest frame `gfn`, if mapped.
    virtual Result<uint64_t> host_frame(uint64_t gfn) const = 0;

    // The guest can take an external interrupt at the next entry: RFLAGS.IF
    // set, no interrupt shadow (STI / MOV SS), and no event already queued.
    virtual bool can_inject_interrupt() const = 0;
    // Delivers external interrupt `vector` at the next entry (SVM EVENTINJ,
    // VMX VM-entry interruption information); only when can_inject_interrupt().
    virtual void inject_interrupt(uint8_t vector) = 0;
    // On: the next run ends with ExitReason::interrupt_window as soon as the
    // guest can take an interrupt (SVM VINTR, VMX interrupt-window exiting).
    virtual void request_interrupt_window(bool on) = 0;
    virtual GuestPaging paging() const = 0;
    // MSRs whose guest values live in the vendor's control structure
    // (EFER, STAR, LSTAR, CSTAR, SFMASK, FS/GS/KernelGS base, SYSENTER_*,
    // PAT: core/hvm/msr_policy.hpp is_vendor_state_msr, plus PAT), for an
    // intercepted RDMSR/WRMSR the policy has already checked. The vendor
    // keeps its own bits (SVM's EFER.SVME; VMX follows EFER.LMA in its
    // entry controls). EINVAL for any other MSR.
    virtual Result<uint64_t> read_state_msr(uint32_t index) const = 0;
    virtual Status write_state_msr(uint32_t index, uint64_t value) = 0;
    // Delivers exception `vector` (with `error_code` where the vector has
    // one: #DF, #TS, #NP, #SS, #GP, #PF, #AC) at the next entry.
    virtual void inject_exception(uint8_t vector, uint32_t error_code) = 0;
    // Guest-physical translations may have changed (a frame left or moved
    // in the nested table): drop them from the TLB at the next entry.
    virtual void flush_guest_tlb() = 0;
    // Full register state for a crash report: general registers, RSP, RIP,
    // RFLAGS, CS/SS selectors and the paging controls.
    struct Snapshot {
        GuestRegisters registers;
        uint64_t rsp, rip, rflags;
        uint16_t cs, ss;
        GuestPaging paging;
    };
    virtual Snapshot snapshot() const = 0;

    // Runs the guest on this CPU until the next exit. Call with interrupts
    // off; a physical interrupt that arrives meanwhile ends the run with
    // ExitReason::interrupt and is taken when the caller enables interrupts.
    virtual Exit run() = 0;

protected:
    ~Container() = default;
};

// The vendor's factory, one per machine, chosen at boot.
class Backend {
public:
    virtual const char* name() const = 0;
    // Turns the extension on for the calling CPU (once per CPU, before any
    // container runs there).
    virtual Status enable_this_cpu(uint32_t cpu_index) = 0;
    // The entry bits of this vendor's nested tables (NPT or EPT), for the
    // table a domain shares between its containers (GuestStart::nested_root).
    virtual const pv::nested::NestedEntryFormat& nested_format() const = 0;
    // The 3-byte hypercall instruction guests of this vendor use (VMMCALL
    // 0F 01 D9, VMCALL 0F 01 C1), for the hypercall page.
    virtual void hypercall_instruction(uint8_t (&bytes)[3]) const = 0;
    // EBUSY: no free slot or ASID; ENOMEM: no frames.
    virtual Result<Container*> create(const GuestStart& start) = 0;
    // Returns the container's frames (not the guest memory it maps).
    virtual void destroy(Container* container) = 0;

protected:
    ~Backend() = default;
};

} // namespace pv::x86::hvm
