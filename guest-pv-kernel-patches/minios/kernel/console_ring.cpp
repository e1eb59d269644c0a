#include "kernel/console_ring.hpp"

#include "arch/hypercall.hpp"
#include "kernel/platform.hpp"

namespace minios {

long ConsoleRingFrontend::attach(const BootInfo& boot, bool pv_mmu_allowed) {
    ConsoleRingPlace place;
    const long rc = platform().find_console_ring(boot, pv_mmu_allowed, place);
    if (rc < 0) return rc;
    mfn_ = place.frame;
    port_ = place.port;
    found_in_p2m_ = place.found_in_p2m;
    ring_ = place.ring;
    return 0;
}

void ConsoleRingFrontend::notify() {
    abi::EvtchnSend send{port_};
    hv::event_channel_op(abi::EventChannelOp::send, &send);
}

void ConsoleRingFrontend::write(const char* data, size_t size) {
    abi::ConsoleRing& ring = *ring_;
    while (size > 0) {
        // Acquire: the backend's reads of the bytes before out_cons are
        // done before we overwrite their slots.
        const abi::ConsoleRingIndex cons = __atomic_load_n(&ring.out_cons, __ATOMIC_ACQUIRE);
        abi::ConsoleRingIndex prod = ring.out_prod; // only we write it
        const uint32_t used = prod - cons;
        if (used >= abi::k_console_out_size) {
            // Full: make sure the backend knows, and let it run.
            notify();
            hv::sched_op(abi::SchedOp::yield);
            continue;
        }
        uint32_t room = abi::k_console_out_size - used;
        while (room > 0 && size > 0) {
            ring.out[abi::console_ring_slot(prod++, abi::k_console_out_size)] = *data++;
            --room;
            --size;
        }
        // Release: the bytes are in the ring before the backend sees the new
        // out_prod (Xen's wmb() before updating the producer index).
        __atomic_store_n(&ring.out_prod, prod, __ATOMIC_RELEASE);
        notify();
    }
}

size_t ConsoleRingFrontend::read(char* buffer, size_t capacity) {
    abi::ConsoleRing& ring = *ring_;
    abi::ConsoleRingIndex cons = ring.in_cons; // only we write it
    // Acquire: the bytes before in_prod are visible once we see in_prod.
    const abi::ConsoleRingIndex prod = __atomic_load_n(&ring.in_prod, __ATOMIC_ACQUIRE);
    size_t n = 0;
    // A prod more than a ring ahead is the backend's bug: take one ring.
    uint32_t available = prod - cons;
    if (available > abi::k_console_in_size) available = abi::k_console_in_size;
    while (n < capacity && available > 0) {
        buffer[n++] = ring.in[abi::console_ring_slot(cons++, abi::k_console_in_size)];
        --available;
    }
    if (n == 0) return 0;
    // Release: our reads of the bytes finish before the backend may reuse
    // their slots.
    __atomic_store_n(&ring.in_cons, cons, __ATOMIC_RELEASE);
    notify();
    return n;
}

} // namespace minios
