#include "core/event/event_channels.hpp"

#include "core/event/two_level.hpp"
#include "core/pv_hypercalls/services.hpp"

namespace pv {

namespace {

// Fields read without the owner's lock (a peer's notify_vcpu in send()).
uint32_t load(const uint32_t& v) {
    return __atomic_load_n(&v, __ATOMIC_ACQUIRE);
}
void store(uint32_t& v, uint32_t value) {
    __atomic_store_n(&v, value, __ATOMIC_RELEASE);
}

} // namespace

// Holds the event locks of two tables, the lower domain id's first (one
// lock if both are the same table).
class EventLockPair {
public:
    EventLockPair(EventChannels& a, EventChannels& b) : first_(&a), second_(&b) {
        if (&a != &b && b.domain_id() < a.domain_id()) {
            first_ = &b;
            second_ = &a;
        }
        first_->lock_.lock();
        if (second_ != first_) second_->lock_.lock();
    }
    ~EventLockPair() {
        if (second_ != first_) second_->lock_.unlock();
        first_->lock_.unlock();
    }
    EventLockPair(const EventLockPair&) = delete;
    EventLockPair& operator=(const EventLockPair&) = delete;

private:
    EventChannels* first_;
    EventChannels* second_;
};

EventChannels::EventChannels(Domain& owner, HypervisorServices& services, EventPort* ports,
                             uint32_t capacity)
    : owner_(owner), services_(services), ports_(ports),
      limit_(capacity < k_max_ports ? capacity : k_max_ports) {
    for (uint32_t i = 0; i < limit_; ++i)
        ports_[i] = EventPort{};
    if (limit_ > 0) ports_[0].state = PortState::reserved; // as Xen's evtchn_init
}

void EventChannels::attach_shared_info(abi::SharedInfo* shared) {
    __atomic_store_n(&shared_, shared, __ATOMIC_RELEASE);
}

abi::VcpuInfo* EventChannels::vcpu_info(uint32_t vcpu) const {
    if (vcpu >= Domain::k_max_vcpus) return nullptr;
    abi::VcpuInfo* registered = __atomic_load_n(&slots_[vcpu].registered_info, __ATOMIC_ACQUIRE);
    if (registered != nullptr) return registered;
    abi::SharedInfo* shared = shared_info();
    if (shared == nullptr || vcpu >= abi::k_legacy_max_vcpus) return nullptr;
    return &shared->vcpu_info[vcpu];
}

uint64_t EventChannels::vcpu_info_mfn(uint32_t vcpu) const {
    if (vcpu >= Domain::k_max_vcpus) return ~uint64_t{0};
    return __atomic_load_n(&slots_[vcpu].registered_mfn, __ATOMIC_ACQUIRE);
}

Status EventChannels::move_vcpu_info(uint32_t vcpu, abi::VcpuInfo* where, uint64_t mfn) {
    if (vcpu >= Domain::k_max_vcpus || !vcpu_exists(vcpu) || where == nullptr) return Errno::einval;
    LockGuard guard(lock_);
    VcpuSlot& slot = slots_[vcpu];
    if (slot.registered_info != nullptr) return Errno::einval;

    const abi::VcpuInfo* current = vcpu_info(vcpu);
    auto* dst = reinterpret_cast<volatile uint8_t*>(where);
    if (current != nullptr) {
        const auto* src = reinterpret_cast<const volatile uint8_t*>(current);
        for (size_t i = 0; i < sizeof(abi::VcpuInfo); ++i)
            dst[i] = src[i];
    } else {
        for (size_t i = 0; i < sizeof(abi::VcpuInfo); ++i)
            dst[i] = 0;
        __atomic_store_n(&where->evtchn_upcall_mask, uint8_t{1}, __ATOMIC_SEQ_CST);
    }
    __atomic_store_n(&slot.registered_mfn, mfn, __ATOMIC_RELEASE);
    // The new location before the pending flags: a delivery racing with the
    // move may have landed in the old copy, so mark everything pending
    // (the guest gets a spurious scan, nothing is lost).
    __atomic_store_n(&slot.registered_info, where, __ATOMIC_SEQ_CST);
    __atomic_store_n(&where->evtchn_pending_sel, ~uint64_t{0}, __ATOMIC_SEQ_CST);
    if (evtchn_2l::mark_upcall_pending(*where)) kick(vcpu);
    return Status::ok();
}

// --- Port allocation --------------------------------------------------------

Result<uint32_t> EventChannels::get_free_port() {
    if (owner_.state == DomainState::dying) return Errno::einval;
    for (uint32_t port = 0; port < limit_; ++port)
        if (ports_[port].state == PortState::free) return port;
    return Errno::enospc;
}

// Xen's free_evtchn: clear the pending bit so that a re-bound port does not
// start out pending; the notified vCPU goes back to 0.
void EventChannels::free_port(uint32_t port) {
    if (abi::SharedInfo* shared = shared_info(); shared != nullptr)
        evtchn_2l::clear_pending(*shared, port);
    EventPort& p = ports_[port];
    p.state = PortState::free;
    store(p.notify_vcpu, 0);
    p.remote_domid = 0;
    p.remote = nullptr;
    p.remote_port = 0;
    p.virq = 0;
}

Result<uint32_t> EventChannels::alloc_unbound(DomainId remote) {
    LockGuard guard(lock_);
    const uint32_t port = TRY(get_free_port());
    EventPort& p = ports_[port];
    p.state = PortState::unbound;
    p.remote_domid = remote;
    return port;
}

Result<uint32_t> EventChannels::bind_interdomain(EventChannels& remote, uint32_t remote_port) {
    EventLockPair locks(*this, remote);
    const uint32_t port = TRY(get_free_port());
    if (!remote.valid(remote_port)) return Errno::einval;
    EventPort& r = remote.ports_[remote_port];
    // Loopback: `port` is still free, so it cannot be the remote port too.
    if (r.state != PortState::unbound || r.remote_domid != domain_id()) return Errno::einval;

    EventPort& l = ports_[port];
    l.state = PortState::interdomain;
    l.remote = &remote;
    l.remote_port = remote_port;
    r.state = PortState::interdomain;
    r.remote = this;
    r.remote_port = port;
    // Xen: notifications sent while the remote port was unbound were
    // dropped, so conservatively mark the new port pending.
    set_pending(load(l.notify_vcpu), port);
    return port;
}

Result<uint32_t> EventChannels::bind_virq(uint32_t virq, uint32_t vcpu) {
    if (virq >= abi::k_nr_virqs) return Errno::einval;
    if (virq_is_global(virq) && vcpu != 0) return Errno::einval;
    if (vcpu >= Domain::k_max_vcpus || !vcpu_exists(vcpu)) return Errno::enoent;

    LockGuard guard(lock_);
    uint32_t& binding = slots_[vcpu].virq_to_port[virq];
    if (binding != 0) return Errno::eexist;
    const uint32_t port = TRY(get_free_port());
    EventPort& p = ports_[port];
    p.state = PortState::virq;
    p.virq = virq;
    store(p.notify_vcpu, vcpu);
    binding = port;
    return port;
}

Result<uint32_t> EventChannels::bind_ipi(uint32_t vcpu) {
    if (vcpu >= Domain::k_max_vcpus || !vcpu_exists(vcpu)) return Errno::enoent;
    LockGuard guard(lock_);
    const uint32_t port = TRY(get_free_port());
    EventPort& p = ports_[port];
    p.state = PortState::ipi;
    store(p.notify_vcpu, vcpu);
    return port;
}

// Xen's __evtchn_close. An interdomain port needs the peer's lock too; if
// the peer's id is lower, drop ours, take theirs, and look again (the port
// may have changed meanwhile).
Status EventChannels::close(uint32_t port) {
    EventChannels* peer = nullptr;
    Status rc;
    for (bool retry = true; retry;) {
        retry = false;
        lock_.lock();
        if (!valid(port)) {
            rc = Errno::einval;
            break;
        }
        EventPort& p = ports_[port];
        switch (p.state) {
        case PortState::free:
        case PortState::reserved:
            rc = Errno::einval;
            break;
        case PortState::unbound:
        case PortState::ipi:
            free_port(port);
            break;
        case PortState::virq:
            for (VcpuSlot& slot : slots_)
                if (slot.virq_to_port[p.virq] == port) slot.virq_to_port[p.virq] = 0;
            free_port(port);
            break;
        case PortState::interdomain: {
            if (peer == nullptr) {
                peer = p.remote;
                if (peer != this) {
                    if (domain_id() < peer->domain_id()) {
                        peer->lock_.lock();
                    } else {
                        lock_.unlock();
                        peer->lock_.lock();
                        retry = true;
                        break;
                    }
                }
            } else if (peer != p.remote) {
                // Closed and re-bound elsewhere while we had let go: it went
                // through "closed", so that is a fair answer.
                rc = Errno::einval;
                break;
            }
            EventPort& r = peer->ports_[p.remote_port];
            r.state = PortState::unbound;
            r.remote_domid = domain_id();
            r.remote = nullptr;
            r.remote_port = 0;
            free_port(port);
            break;
        }
        }
    }
    if (peer != nullptr && peer != this) peer->lock_.unlock();
    lock_.unlock();
    return rc;
}

Status EventChannels::send(uint32_t port) {
    LockGuard guard(lock_);
    if (!valid(port)) return Errno::einval;
    const EventPort& p = ports_[port];
    switch (p.state) {
    case PortState::interdomain: {
        // The pair cannot change while we hold our lock (closing either end
        // takes both); the peer's notify_vcpu may (bind_vcpu), read it once.
        EventChannels& remote = *p.remote;
        remote.set_pending(load(remote.ports_[p.remote_port].notify_vcpu), p.remote_port);
        return Status::ok();
    }
    case PortState::ipi:
        set_pending(load(p.notify_vcpu), port);
        return Status::ok();
    case PortState::unbound:
        return Status::ok(); // silently dropped, as in Xen
    default:
        return Errno::einval;
    }
}

Status EventChannels::status(uint32_t port, abi::EvtchnStatus& out) {
    LockGuard guard(lock_);
    if (!valid(port)) return Errno::einval;
    const EventPort& p = ports_[port];
    out.u = {};
    switch (p.state) {
    case PortState::free:
    case PortState::reserved:
        out.status = abi::raw(abi::EvtchnState::closed);
        break;
    case PortState::unbound:
        out.status = abi::raw(abi::EvtchnState::unbound);
        out.u.unbound.dom = p.remote_domid;
        break;
    case PortState::interdomain:
        out.status = abi::raw(abi::EvtchnState::interdomain);
        out.u.interdomain.dom = p.remote->domain_id();
        out.u.interdomain.port = p.remote_port;
        break;
    case PortState::virq:
        out.status = abi::raw(abi::EvtchnState::virq);
        out.u.virq = p.virq;
        break;
    case PortState::ipi:
        out.status = abi::raw(abi::EvtchnState::ipi);
        break;
    }
    out.vcpu = p.notify_vcpu;
    return Status::ok();
}

Status EventChannels::bind_vcpu(uint32_t port, uint32_t vcpu) {
    if (vcpu >= Domain::k_max_vcpus || !vcpu_exists(vcpu)) return Errno::enoent;
    LockGuard guard(lock_);
    if (!valid(port)) return Errno::einval;
    EventPort& p = ports_[port];
    switch (p.state) {
    case PortState::virq:
        if (!virq_is_global(p.virq)) return Errno::einval;
        store(p.notify_vcpu, vcpu);
        return Status::ok();
    case PortState::unbound:
    case PortState::interdomain:
        store(p.notify_vcpu, vcpu);
        return Status::ok();
    default:
        return Errno::einval;
    }
}

Status EventChannels::unmask(uint32_t port) {
    LockGuard guard(lock_);
    if (!valid(port)) return Errno::einval;
    abi::SharedInfo* shared = shared_info();
    if (shared == nullptr) return Status::ok();
    const uint32_t vcpu = load(ports_[port].notify_vcpu);
    if (evtchn_2l::unmask(*shared, vcpu_info(vcpu), port)) kick(vcpu);
    return Status::ok();
}

void EventChannels::reset() {
    for (uint32_t port = 0; port < limit_; ++port)
        (void)close(port);
}

// --- Delivery -----------------------------------------------------------------

void EventChannels::set_pending(uint32_t vcpu, uint32_t port) {
    abi::SharedInfo* shared = shared_info();
    if (shared == nullptr) return;
    bool newly_pending = false;
    if (evtchn_2l::set_pending(*shared, vcpu_info(vcpu), port, &newly_pending)) kick(vcpu);
    if (newly_pending) check_pollers(port);
}

void EventChannels::kick(uint32_t vcpu) {
    if (Vcpu* v = owner_.vcpu(vcpu); v != nullptr) services_.kick_vcpu(*v);
}

// Xen's evtchn_check_pollers: wake every vCPU polling for this port or for
// any port.
void EventChannels::check_pollers(uint32_t port) {
    const uint32_t mask = __atomic_load_n(&poll_mask_, __ATOMIC_SEQ_CST);
    if (mask == 0) return;
    for (uint32_t vcpu = 0; vcpu < Domain::k_max_vcpus; ++vcpu) {
        const uint32_t bit = 1u << vcpu;
        if ((mask & bit) == 0) continue;
        const int64_t wanted = __atomic_load_n(&slots_[vcpu].poll_port, __ATOMIC_SEQ_CST);
        if (wanted > 0 && static_cast<uint64_t>(wanted) != port) continue;
        if ((__atomic_fetch_and(&poll_mask_, ~bit, __ATOMIC_SEQ_CST) & bit) == 0) continue;
        __atomic_store_n(&slots_[vcpu].poll_port, int64_t{0}, __ATOMIC_SEQ_CST);
        kick(vcpu);
    }
}

void EventChannels::send_virq(abi::Virq virq, uint32_t vcpu) {
    const uint32_t v = abi::raw(virq);
    if (v >= abi::k_nr_virqs) return;
    const bool global = virq_is_global(v);
    if (global) vcpu = 0;
    if (vcpu >= Domain::k_max_vcpus) return;
    LockGuard guard(lock_);
    const uint32_t port = slots_[vcpu].virq_to_port[v];
    if (port == 0) return;
    // A global VIRQ goes where bind_vcpu put it; a per-vCPU one to its vCPU.
    set_pending(global ? load(ports_[port].notify_vcpu) : vcpu, port);
}

bool EventChannels::virq_bound(abi::Virq virq, uint32_t vcpu) {
    const uint32_t v = abi::raw(virq);
    if (v >= abi::k_nr_virqs) return false;
    if (virq_is_global(v)) vcpu = 0;
    if (vcpu >= Domain::k_max_vcpus) return false;
    LockGuard guard(lock_);
    return slots_[vcpu].virq_to_port[v] != 0;
}

bool EventChannels::port_pending(uint32_t port) const {
    const abi::SharedInfo* shared = shared_info();
    return shared != nullptr && valid(port) && evtchn_2l::is_pending(*shared, port);
}

bool EventChannels::events_need_delivery(uint32_t vcpu) const {
    const abi::VcpuInfo* info = vcpu_info(vcpu);
    return info != nullptr && evtchn_2l::events_need_delivery(*info);
}

EventPort EventChannels::port(uint32_t port) {
    LockGuard guard(lock_);
    return valid(port) ? ports_[port] : EventPort{};
}

// --- Poll ------------------------------------------------------------------------

void EventChannels::poll_begin(uint32_t vcpu) {
    if (vcpu >= Domain::k_max_vcpus) return;
    __atomic_store_n(&slots_[vcpu].poll_port, int64_t{-1}, __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&poll_mask_, 1u << vcpu, __ATOMIC_SEQ_CST);
}

void EventChannels::poll_only(uint32_t vcpu, uint32_t port) {
    if (vcpu >= Domain::k_max_vcpus) return;
    __atomic_store_n(&slots_[vcpu].poll_port, static_cast<int64_t>(port), __ATOMIC_SEQ_CST);
}

bool EventChannels::poll_end(uint32_t vcpu) {
    if (vcpu >= Domain::k_max_vcpus) return false;
    __atomic_store_n(&slots_[vcpu].poll_port, int64_t{0}, __ATOMIC_SEQ_CST);
    const uint32_t bit = 1u << vcpu;
    return (__atomic_fetch_and(&poll_mask_, ~bit, __ATOMIC_SEQ_CST) & bit) != 0;
}

bool EventChannels::polling(uint32_t vcpu) const {
    if (vcpu >= Domain::k_max_vcpus) return false;
    return (__atomic_load_n(&poll_mask_, __ATOMIC_SEQ_CST) & (1u << vcpu)) != 0;
}

} // namespace pv
