#include "dom0-tools/lib/toolstack/console_backend.hpp"

namespace pv::tools {

namespace {

// The ring's indexes are shared with the guest on another CPU: read the
// producer's index before the bytes (acquire), publish ours after (release),
// as Xen's console drivers pair rmb()/wmb() around them.
abi::ConsoleRingIndex load_index(const abi::ConsoleRingIndex& index) {
    return __atomic_load_n(&index, __ATOMIC_ACQUIRE);
}
void store_index(abi::ConsoleRingIndex& index, abi::ConsoleRingIndex value) {
    __atomic_store_n(&index, value, __ATOMIC_RELEASE);
}

} // namespace

size_t ConsoleBuffer::copy_from(uint64_t& cursor, char* dst, size_t n) const {
    if (cursor < oldest()) cursor = oldest();
    size_t copied = 0;
    while (copied < n && cursor < total_)
        dst[copied++] = bytes_[cursor++ % k_console_buffer_size];
    return copied;
}

Status ConsoleBackend::map_ring(ControlPlane& hv, uint16_t domid, uint64_t mfn) {
    auto page = hv.map_foreign(domid, mfn);
    if (!page) return page.status();
    ring_ = reinterpret_cast<abi::ConsoleRing*>(*page);
    return Status::ok();
}

void ConsoleBackend::close(ControlPlane& hv) {
    if (ring_ != nullptr) hv.unmap_foreign(reinterpret_cast<uint8_t*>(ring_));
    ring_ = nullptr;
    if (has_port_) (void)hv.close_port(port_);
    has_port_ = false;
    port_ = 0;
}

size_t ConsoleBackend::drain(ControlPlane& hv) {
    if (ring_ == nullptr) return 0;
    if (has_port_) (void)hv.port_pending(port_); // the ring itself says what is new
    abi::ConsoleRingIndex cons = ring_->out_cons;
    const abi::ConsoleRingIndex prod = load_index(ring_->out_prod);
    // A guest that claims more than the ring holds is not believed: keep the
    // last ring's worth.
    if (prod - cons > abi::k_console_out_size) cons = prod - abi::k_console_out_size;
    size_t moved = 0;
    for (; cons != prod; ++cons, ++moved)
        buffer_.append(ring_->out[abi::console_ring_slot(cons, abi::k_console_out_size)]);
    if (moved == 0 && ring_->out_cons == prod) return 0;
    if (moved != 0 && first_output_ns_ == 0) first_output_ns_ = hv.now_ns();
    store_index(ring_->out_cons, prod);
    if (has_port_) (void)hv.notify(port_);
    return moved;
}

size_t ConsoleBackend::send(ControlPlane& hv, const char* bytes, size_t count) {
    if (ring_ == nullptr) return 0;
    const abi::ConsoleRingIndex cons = load_index(ring_->in_cons);
    abi::ConsoleRingIndex prod = ring_->in_prod;
    size_t queued = 0;
    while (queued < count && prod - cons < abi::k_console_in_size)
        ring_->in[abi::console_ring_slot(prod++, abi::k_console_in_size)] = bytes[queued++];
    if (queued == 0) return 0;
    store_index(ring_->in_prod, prod);
    if (has_port_) (void)hv.notify(port_);
    return queued;
}

} // namespace pv::tools
