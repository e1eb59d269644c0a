// A hardware container: one guest vCPU running in SVM guest mode or VMX
// non-root mode over nested page tables (DESIGN.md §1, PVH). Generic code
// uses only this interface; arch/x86/svm implements it (VMX will too), and
// the vendor is chosen once at boot when the Backend is made.
#pragma once

#include "arch/x86/hvm/exit.hpp"
#include "arch/x86/hvm/guest_registers.hpp"
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
    virtual void set_rip(uint64_t rip) = 0;
    virtual uint64_t rsp() const = 0;
    // Steps over the instruction that caused `exit` (Exit::instruction_length).
    void advance_past(const Exit& exit) { set_rip(rip() + exit.instruction_length); }

    // Adds to the nested page tables. ENOMEM when no frame is left for a table.
    virtual Status map(const GuestMemoryRange& range) = 0;
    // Host frame behind guest frame `gfn`, if mapped.
    virtual Result<uint64_t> host_frame(uint64_t gfn) const = 0;

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
    // EBUSY: no free slot or ASID; ENOMEM: no frames.
    virtual Result<Container*> create(const GuestStart& start) = 0;
    // Returns the container's frames (not the guest memory it maps).
    virtual void destroy(Container* container) = 0;

protected:
    ~Backend() = default;
};

} // namespace pv::x86::hvm
