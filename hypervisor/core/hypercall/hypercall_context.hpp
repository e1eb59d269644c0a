// HypercallContext: everything a hypercall handler may use, passed in
// rather than reached through globals (DESIGN.md §3). Arch code makes one on
// its stack for each hypercall entry of one vCPU and hands it to
// dispatch_hypercall(); it must not be shared between vCPUs or entries.
#pragma once

#include "core/hypercall/guest_memory.hpp"
#include "core/hypercall/hypercall_args.hpp"

#include <cstdint>

namespace pv {

class Domain;
class Vcpu;
class HypercallTable;
class HypervisorServices;
struct GuestRegisters;

struct HypercallContext {
    HypercallContext(const HypercallTable& table_, GuestAddressSpace& guest_)
        : table(table_), guest(guest_) {}
    HypercallContext(const HypercallContext&) = delete;
    HypercallContext& operator=(const HypercallContext&) = delete;

    // The caller. Domain and Vcpu are defined by their own issue; until then
    // they are opaque here and handlers that need them get nullptr.
    Domain* domain = nullptr;
    Vcpu* vcpu = nullptr;
    uint16_t domain_id = 0;
    uint32_t vcpu_id = 0;

    // What the PV handlers need from the rest of the hypervisor (console,
    // scheduler, arch state hooks: core/pv_hypercalls/services.hpp). Handlers
    // that need it answer -ENOSYS while it is null.
    HypervisorServices* services = nullptr;

    // The guest frame this entry returns with (null: &vcpu->regs). iret
    // rewrites it completely; see regs_replaced.
    GuestRegisters* regs = nullptr;

    // Set by iret (also inside a multicall): the frame, rax included, is
    // final. The arch code must then return to the guest with every register
    // of the frame as it stands (IRETQ, not SYSRET: rcx/r11 may have been
    // restored), must not write the dispatch result into rax and must not
    // treat it as a restart (a guest's saved rax may equal -ERESTART).
    bool regs_replaced = false;

    // The table this call was dispatched through; multicall sends its
    // entries through the same one.
    const HypercallTable& table;

    // The calling vCPU's current address space: every guest pointer goes
    // through it (copy_from_guest / copy_to_guest).
    GuestAddressSpace& guest;

    // Asked between units of work by long operations (multicall entries,
    // batches of MMU updates): true means "stop at the next safe point and
    // return a continuation" — a softirq, a pending event or the end of the
    // time slice wants this CPU. Null means never.
    bool (*should_preempt)(void* cookie) = nullptr;
    void* preempt_cookie = nullptr;

    bool preempt_requested() const { return should_preempt && should_preempt(preempt_cookie); }

    // --- Per-entry state, owned by dispatch and multicall (Xen keeps the
    // same in its per-vCPU mc_state and hcall_preempted). Handlers leave it
    // alone and use hypercall_continuation() instead.
    bool in_multicall = false;         // refuses a multicall inside a multicall
    bool continuation_pending = false; // a handler asked to resume with `continuation`
    HypercallArgs continuation{HypercallArgs::Unset{}}; // valid while continuation_pending
};

} // namespace pv
