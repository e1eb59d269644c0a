// EventChannels: one domain's event-channel ports and their 2-level
// delivery (Xen's struct evtchn array, event_lock, virq_to_evtchn and
// poll_mask; facts from xen/common/event_channel.c and event_2l.c).
//
// A port is free, reserved (port 0, never usable), unbound (waiting for a
// named remote domain to connect), interdomain (connected to <remote, port>),
// virq (a virtual IRQ of one vCPU, or a global one) or ipi (to one vCPU of
// the same domain). PIRQs are not supported.
//
// Storage: the table is a fixed array the owner supplies
// (EventChannelTable<N> below holds one); `limit` ports of it are usable,
// at most the 2-level ABI's 4096. Port 0 is reserved, as in Xen.
//
// Locking: `lock_` (Xen's per-domain event_lock) guards every port's state
// and the virq bindings. An operation on two domains (bind_interdomain,
// closing an interdomain port) holds both locks, the lower domain id's
// first. Delivery into shared_info is lock-free (atomic bit operations), so
// send() holds only the sender's lock: the remote end of an interdomain
// port can only change with both locks held. Lock order elsewhere: a vCPU's
// timer lock before an event lock; an event lock before the scheduler's
// (kick_vcpu is called with it held).
//
// Lifetime: an interdomain port points at the peer's EventChannels. Before
// a domain's table goes away, reset() it: that returns every peer port to
// unbound, after which nothing refers to it.
#pragma once

#include "core/domain/domain.hpp"
#include "include/public/event_channel.hpp"
#include "include/public/shared_info.hpp"
#include "lib/spinlock.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv {

class HypervisorServices;

enum class PortState : uint8_t { free, reserved, unbound, interdomain, virq, ipi };

class EventChannels;

struct EventPort {
    PortState state = PortState::free;
    uint32_t notify_vcpu = 0;        // the vCPU whose vcpu_info gets the upcall
    DomainId remote_domid = 0;       // unbound: the domain that may connect
    EventChannels* remote = nullptr; // interdomain: the peer's table
    uint32_t remote_port = 0;        // interdomain: the peer's port
    uint32_t virq = 0;               // virq: which
};

// Xen's virq_is_global(): per-vCPU VIRQs are bound once per vCPU; the
// others once per domain, on vCPU 0 (x86's arch VIRQs are global).
constexpr bool virq_is_global(uint32_t virq) {
    switch (virq) {
    case abi::raw(abi::Virq::timer):
    case abi::raw(abi::Virq::debug):
    case abi::raw(abi::Virq::xenoprof):
    case abi::raw(abi::Virq::xenpmu):
        return false;
    default:
        return true;
    }
}

class EventChannels {
public:
    // The 2-level ABI's limit (64 words of 64 bits).
    static constexpr uint32_t k_max_ports = abi::k_evtchn_2l_nr_channels;

    // `ports[0, capacity)` is the table; min(capacity, k_max_ports) usable.
    EventChannels(Domain& owner, HypervisorServices& services, EventPort* ports, uint32_t capacity);
    EventChannels(const EventChannels&) = delete;
    EventChannels& operator=(const EventChannels&) = delete;

    Domain& domain() { return owner_; }
    DomainId domain_id() const { return owner_.id(); }
    // Valid port numbers are [0, port_limit()) (Xen's port_is_valid).
    uint32_t port_limit() const { return limit_; }
    HypervisorServices& services() { return services_; }

    // The domain's shared_info as the hypervisor maps it; until it is set,
    // nothing is delivered (pending bits have nowhere to go).
    void attach_shared_info(abi::SharedInfo* shared);
    abi::SharedInfo* shared_info() const { return __atomic_load_n(&shared_, __ATOMIC_ACQUIRE); }

    // Where vCPU `vcpu`'s vcpu_info is now: the copy registered with
    // VCPUOP_register_vcpu_info, else its slot in shared_info (vCPUs below
    // 32), else null. Event delivery and time updates use only this.
    abi::VcpuInfo* vcpu_info(uint32_t vcpu) const;
    // VCPUOP_register_vcpu_info's move (Xen's map_vcpu_info after the frame
    // checks): copy the current contents to `where` (or start it zeroed with
    // events masked), use only `where` from now on, and mark every selector
    // bit and upcall_pending so that no event is lost in the move.
    // EINVAL if the vCPU already registered one or does not exist.
    Status move_vcpu_info(uint32_t vcpu, abi::VcpuInfo* where, uint64_t mfn);
    // The frame registered for `vcpu`, or ~0 if none.
    uint64_t vcpu_info_mfn(uint32_t vcpu) const;

    // --- EVTCHNOP_* (Xen's semantics and errors; privilege and domain
    // lookups are the hypercall handler's). Ports are returned as values.
    // alloc_unbound on this domain, for `remote` (DOMID_SELF already
    // replaced by the caller's id). ENOSPC when full, EINVAL when dying.
    Result<uint32_t> alloc_unbound(DomainId remote);
    // Connect a new port of this domain to `remote`'s port `remote_port`,
    // which must be unbound and reserved for this domain (EINVAL). The new
    // port is left pending (Xen: a notification may have been lost).
    Result<uint32_t> bind_interdomain(EventChannels& remote, uint32_t remote_port);
    // EINVAL: virq out of range, or a global virq on vCPU != 0; ENOENT: no
    // such vCPU; EEXIST: already bound on that vCPU.
    Result<uint32_t> bind_virq(uint32_t virq, uint32_t vcpu);
    Result<uint32_t> bind_ipi(uint32_t vcpu); // ENOENT: no such vCPU
    // EINVAL: invalid, free or reserved port. An interdomain peer goes back
    // to unbound (for this domain); the port's pending bit is cleared.
    Status close(uint32_t port);
    // interdomain: pending on the peer; ipi: pending locally; unbound:
    // silently dropped; anything else EINVAL.
    Status send(uint32_t port);
    Status status(uint32_t port, abi::EvtchnStatus& out); // fills status, vcpu, u
    // Global virqs, unbound and interdomain ports only (else EINVAL);
    // ENOENT: no such vCPU.
    Status bind_vcpu(uint32_t port, uint32_t vcpu);
    Status unmask(uint32_t port); // EINVAL: invalid port
    // Close every port (EVTCHNOP_reset; also before the domain goes away).
    void reset();

    // --- For the hypervisor itself
    // Raise `virq`: a per-vCPU one on `vcpu`, a global one wherever its
    // port is bound (vcpu ignored). Nothing if unbound. Takes the event lock.
    void send_virq(abi::Virq virq, uint32_t vcpu = 0);
    bool virq_bound(abi::Virq virq, uint32_t vcpu = 0);
    // The pending bit of a valid port (false without shared_info).
    bool port_pending(uint32_t port) const;
    // Xen's local_events_need_delivery() for `vcpu`.
    bool events_need_delivery(uint32_t vcpu) const;
    // A snapshot of a port, for tests and diagnostics.
    EventPort port(uint32_t port);

    // --- sched_op poll (Xen's poll_mask / poll_evtchn)
    // The vCPU starts polling: any send to one of its ports wakes it.
    void poll_begin(uint32_t vcpu);
    // Narrow the poll to one port (nr_ports == 1).
    void poll_only(uint32_t vcpu, uint32_t port);
    // Stop polling; true if the vCPU was still polling (nobody woke it).
    bool poll_end(uint32_t vcpu);
    bool polling(uint32_t vcpu) const;

private:
    struct VcpuSlot {
        abi::VcpuInfo* registered_info = nullptr; // VCPUOP_register_vcpu_info
        uint64_t registered_mfn = ~uint64_t{0};
        uint32_t virq_to_port[abi::k_nr_virqs] = {}; // 0: unbound (port 0 is reserved)
        int64_t poll_port = 0;                       // 0: not polling; -1: any port; else that port
    };

    bool valid(uint32_t port) const { return port < limit_; }
    bool vcpu_exists(uint32_t vcpu) { return owner_.vcpu(vcpu) != nullptr; }
    Result<uint32_t> get_free_port();
    void free_port(uint32_t port);
    // evtchn_port_set_pending: deliver on `port` of this domain to `vcpu`.
    void set_pending(uint32_t vcpu, uint32_t port);
    void check_pollers(uint32_t port);
    void kick(uint32_t vcpu);

    Domain& owner_;
    HypervisorServices& services_;
    EventPort* ports_;
    uint32_t limit_;
    abi::SharedInfo* shared_ = nullptr;
    SpinLock lock_; // guards ports_, slots_[].virq_to_port and registered_*
    VcpuSlot slots_[Domain::k_max_vcpus];
    uint32_t poll_mask_ = 0; // bit per vCPU polling; atomic

    friend class EventLockPair;
};

namespace detail {
template <uint32_t N> struct EventPortStorage { EventPort storage[N]; };
} // namespace detail

// A table with its own storage of N ports (N small in tests). The storage
// is a base listed first so that it exists before EventChannels reserves
// port 0 in it.
template <uint32_t N>
class EventChannelTable : private detail::EventPortStorage<N>, public EventChannels {
public:
    EventChannelTable(Domain& owner, HypervisorServices& services)
        : detail::EventPortStorage<N>(), EventChannels(owner, services, this->storage, N) {}
};

} // namespace pv
