#include "kernel/console_ring.hpp"

#include "arch/hypercall.hpp"
#include "include/public/errno.hpp"

namespace minios {
namespace {

// The page whose mapping is replaced by the ring when the ring frame is not
// in the bootstrap mapping (as for shared_info in kernel/events.cpp).
alignas(4096) char ring_slot[4096];

// PTE flags: present, writable, accessed, dirty (Intel SDM Vol. 3 §4.5).
constexpr uint64_t k_pte_flags = 0x1 | 0x2 | 0x20 | 0x40;

constexpr long error(abi::Errno e) {
    return -static_cast<long>(e);
}

} // namespace

long ConsoleRingFrontend::attach(const BootInfo& boot, bool pv_mmu_allowed) {
    const abi::StartInfo& si = *boot.start_info;
    if (boot.is_initial_domain() || si.console.domu.mfn == 0) return error(abi::Errno::enoent);
    mfn_ = si.console.domu.mfn;
    port_ = si.console.domu.evtchn;

    // The ring is one of our pages: its pfn is where the p2m holds its mfn.
    for (uint64_t pfn = 0; pfn < boot.nr_pages(); ++pfn) {
        if (boot.mfn_of(pfn) != mfn_) continue;
        if (!boot.is_mapped(boot.va_of(pfn), k_page_size)) break;
        ring_ = reinterpret_cast<abi::ConsoleRing*>(boot.va_of(pfn));
        found_in_p2m_ = true;
        return 0;
    }

    if (!pv_mmu_allowed) return error(abi::Errno::enosys);
    const uint64_t va = reinterpret_cast<uintptr_t>(ring_slot);
    const long rc = hv::update_va_mapping(va, mfn_ * k_page_size | k_pte_flags,
                                          abi::k_uvmf_invlpg | abi::k_uvmf_local);
    if (rc == 0) ring_ = reinterpret_cast<abi::ConsoleRing*>(ring_slot);
    return rc;
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
