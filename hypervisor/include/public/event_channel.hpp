// event_channel_op(cmd, arg): create, bind, signal and close event channels;
// the virtual IRQ numbers; the FIFO ABI's constants. Numbers and layouts of
// Xen's event_channel.h and the VIRQ list of xen.h, in our words.
//
// The legacy event_channel_op_compat(op) hypercall (16) takes one EvtchnOp
// holding the command and its argument.
#ifndef PARAVANE_PUBLIC_EVENT_CHANNEL_HPP
#define PARAVANE_PUBLIC_EVENT_CHANNEL_HPP

#include "types.hpp"

namespace pv::abi {

using EvtchnPort = uint32_t; // evtchn_port_t

enum class EventChannelOp : uint32_t {
    bind_interdomain = 0, // EvtchnBindInterdomain
    bind_virq = 1,        // EvtchnBindVirq
    bind_pirq = 2,        // EvtchnBindPirq (privileged)
    close = 3,            // EvtchnClose
    send = 4,             // EvtchnSend
    status = 5,           // EvtchnStatus
    alloc_unbound = 6,    // EvtchnAllocUnbound
    bind_ipi = 7,         // EvtchnBindIpi
    bind_vcpu = 8,        // EvtchnBindVcpu
    unmask = 9,           // EvtchnUnmask
    reset = 10,           // EvtchnReset
    init_control = 11,    // EvtchnInitControl (FIFO ABI)
    expand_array = 12,    // EvtchnExpandArray (FIFO ABI)
    set_priority = 13,    // EvtchnSetPriority (FIFO ABI)
};

// Virtual interrupts a domain can bind a port to. Per-vCPU ones are bound
// once per vCPU and stay there; global ones are bound once per domain, on
// vCPU 0, and may be moved with bind_vcpu.
enum class Virq : uint32_t {
    timer = 0,      // per vCPU: timer expiry / time update
    debug = 1,      // per vCPU: dump debug state
    console = 2,    // global, Dom0: input on the hypervisor console
    dom_exc = 3,    // global, Dom0: a domain needs attention (e.g. shut down)
    tbuf = 4,       // global, Dom0: trace buffer records
    debugger = 6,   // global, Dom0: a domain paused for a debugger
    xenoprof = 7,   // per vCPU: profiling sample
    con_ring = 8,   // global, Dom0: hypervisor console ring has data
    pcpu_state = 9, // global, Dom0: physical CPU state changed
    mem_event = 10, // global, Dom0: memory event
    argo = 11,      // global: Argo message
    enomem = 12,    // global, Dom0: hypervisor low on memory
    xenpmu = 13,    // per vCPU: PMU interrupt
    arch_0 = 16,
    arch_1 = 17,
    arch_2 = 18,
    arch_3 = 19,
    arch_4 = 20,
    arch_5 = 21,
    arch_6 = 22,
    arch_7 = 23,
    mca = arch_0, // x86: machine check
};
inline constexpr uint32_t k_nr_virqs = 24;

// Allocate a port in `dom` that `remote_dom` may later connect to.
struct EvtchnAllocUnbound {
    DomainId dom;        // in: DOMID_SELF unless privileged
    DomainId remote_dom; // in: may be DOMID_SELF (loopback)
    EvtchnPort port;     // out
};
static_assert(sizeof(EvtchnAllocUnbound) == 8);
static_assert(offsetof(EvtchnAllocUnbound, dom) == 0);
static_assert(offsetof(EvtchnAllocUnbound, remote_dom) == 2);
static_assert(offsetof(EvtchnAllocUnbound, port) == 4);

// Connect to <remote_dom, remote_port>, which must be unbound and accept
// the caller. The new local port is left pending.
struct EvtchnBindInterdomain {
    DomainId remote_dom; // in
    uint16_t pad;
    EvtchnPort remote_port; // in
    EvtchnPort local_port;  // out
};
static_assert(sizeof(EvtchnBindInterdomain) == 12);
static_assert(offsetof(EvtchnBindInterdomain, remote_dom) == 0);
static_assert(offsetof(EvtchnBindInterdomain, remote_port) == 4);
static_assert(offsetof(EvtchnBindInterdomain, local_port) == 8);

struct EvtchnBindVirq {
    uint32_t virq;   // in: Virq
    uint32_t vcpu;   // in
    EvtchnPort port; // out
};
static_assert(sizeof(EvtchnBindVirq) == 12);
static_assert(offsetof(EvtchnBindVirq, virq) == 0);
static_assert(offsetof(EvtchnBindVirq, vcpu) == 4);
static_assert(offsetof(EvtchnBindVirq, port) == 8);

inline constexpr uint32_t k_bind_pirq_will_share = 1u << 0;

struct EvtchnBindPirq {
    uint32_t pirq;   // in
    uint32_t flags;  // in: k_bind_pirq_*
    EvtchnPort port; // out
};
static_assert(sizeof(EvtchnBindPirq) == 12);
static_assert(offsetof(EvtchnBindPirq, pirq) == 0);
static_assert(offsetof(EvtchnBindPirq, flags) == 4);
static_assert(offsetof(EvtchnBindPirq, port) == 8);

// A port for IPIs to `vcpu` (the binding is fixed).
struct EvtchnBindIpi {
    uint32_t vcpu;   // in
    EvtchnPort port; // out
};
static_assert(sizeof(EvtchnBindIpi) == 8);
static_assert(offsetof(EvtchnBindIpi, vcpu) == 0);
static_assert(offsetof(EvtchnBindIpi, port) == 4);

// Close a port; an interdomain peer goes back to unbound.
struct EvtchnClose {
    EvtchnPort port;
};
static_assert(sizeof(EvtchnClose) == 4);

// Signal the other end of `port`.
struct EvtchnSend {
    EvtchnPort port;
};
static_assert(sizeof(EvtchnSend) == 4);

enum class EvtchnState : uint32_t {
    closed = 0,
    unbound = 1,
    interdomain = 2,
    pirq = 3,
    virq = 4,
    ipi = 5,
};

struct EvtchnStatus {
    DomainId dom; // in: DOMID_SELF unless privileged
    uint16_t pad;
    EvtchnPort port; // in
    uint32_t status; // out: EvtchnState
    uint32_t vcpu;   // out: vCPU notified
    union Detail {
        struct Unbound {
            DomainId dom; // who may connect
        } unbound;
        struct Interdomain {
            DomainId dom;
            uint16_t pad;
            EvtchnPort port;
        } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};
static_assert(sizeof(EvtchnStatus::Detail) == 8);
static_assert(offsetof(EvtchnStatus::Detail::Interdomain, dom) == 0);
static_assert(offsetof(EvtchnStatus::Detail::Interdomain, port) == 4);
static_assert(sizeof(EvtchnStatus) == 24);
static_assert(offsetof(EvtchnStatus, dom) == 0);
static_assert(offsetof(EvtchnStatus, port) == 4);
static_assert(offsetof(EvtchnStatus, status) == 8);
static_assert(offsetof(EvtchnStatus, vcpu) == 12);
static_assert(offsetof(EvtchnStatus, u) == 16);

// Notify `vcpu` instead (not for per-vCPU VIRQs or IPIs).
struct EvtchnBindVcpu {
    EvtchnPort port;
    uint32_t vcpu;
};
static_assert(sizeof(EvtchnBindVcpu) == 8);
static_assert(offsetof(EvtchnBindVcpu, port) == 0);
static_assert(offsetof(EvtchnBindVcpu, vcpu) == 4);

// Clear the mask bit and notify if the port is pending.
struct EvtchnUnmask {
    EvtchnPort port;
};
static_assert(sizeof(EvtchnUnmask) == 4);

// Close every port of `dom` (and drop back to the 2-level ABI).
struct EvtchnReset {
    DomainId dom;
};
static_assert(sizeof(EvtchnReset) == 2);

struct EvtchnInitControl {
    uint64_t control_gfn; // in: frame holding the vCPU's control block
    uint32_t offset;      // in: offset of the control block in it
    uint32_t vcpu;        // in
    uint8_t link_bits;    // out
    uint8_t pad[7];
};
static_assert(sizeof(EvtchnInitControl) == 24);
static_assert(offsetof(EvtchnInitControl, control_gfn) == 0);
static_assert(offsetof(EvtchnInitControl, offset) == 8);
static_assert(offsetof(EvtchnInitControl, vcpu) == 12);
static_assert(offsetof(EvtchnInitControl, link_bits) == 16);

struct EvtchnExpandArray {
    uint64_t array_gfn; // in: one more page of event words
};
static_assert(sizeof(EvtchnExpandArray) == 8);

struct EvtchnSetPriority {
    EvtchnPort port;
    uint32_t priority; // 0 (highest) .. 15
};
static_assert(sizeof(EvtchnSetPriority) == 8);
static_assert(offsetof(EvtchnSetPriority, port) == 0);
static_assert(offsetof(EvtchnSetPriority, priority) == 4);

// Argument of the legacy event_channel_op_compat hypercall.
struct EvtchnOp {
    uint32_t cmd; // EventChannelOp
    union Args {
        EvtchnAllocUnbound alloc_unbound;
        EvtchnBindInterdomain bind_interdomain;
        EvtchnBindVirq bind_virq;
        EvtchnBindPirq bind_pirq;
        EvtchnBindIpi bind_ipi;
        EvtchnClose close;
        EvtchnSend send;
        EvtchnStatus status;
        EvtchnBindVcpu bind_vcpu;
        EvtchnUnmask unmask;
    } u;
};
static_assert(sizeof(EvtchnOp) == 28);
static_assert(offsetof(EvtchnOp, cmd) == 0);
static_assert(offsetof(EvtchnOp, u) == 4);

// FIFO ABI.
inline constexpr uint32_t k_evtchn_fifo_priority_max = 0; // highest
inline constexpr uint32_t k_evtchn_fifo_priority_default = 7;
inline constexpr uint32_t k_evtchn_fifo_priority_min = 15; // lowest
inline constexpr uint32_t k_evtchn_fifo_max_queues = k_evtchn_fifo_priority_min + 1;

// Bits of a 32-bit event word; the low k_evtchn_fifo_link_bits are the link.
inline constexpr uint32_t k_evtchn_fifo_pending = 31;
inline constexpr uint32_t k_evtchn_fifo_masked = 30;
inline constexpr uint32_t k_evtchn_fifo_linked = 29;
inline constexpr uint32_t k_evtchn_fifo_busy = 28;
inline constexpr uint32_t k_evtchn_fifo_link_bits = 17;
inline constexpr uint32_t k_evtchn_fifo_link_mask = (1u << k_evtchn_fifo_link_bits) - 1;
inline constexpr uint32_t k_evtchn_fifo_nr_channels = 1u << k_evtchn_fifo_link_bits;

struct EvtchnFifoControlBlock {
    uint32_t ready; // bit per queue with events
    uint32_t rsvd;
    uint32_t head[k_evtchn_fifo_max_queues];
};
static_assert(sizeof(EvtchnFifoControlBlock) == 72);
static_assert(offsetof(EvtchnFifoControlBlock, ready) == 0);
static_assert(offsetof(EvtchnFifoControlBlock, head) == 8);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_EVENT_CHANNEL_HPP
