#include "arch/x86/svm/svm_backend.hpp"

namespace pv::x86::svm {

Result<hvm::Container*> SvmBackend::create(const hvm::GuestStart& start) {
    LockGuard guard(lock_);
    for (uint32_t slot = 0; slot < k_max_containers; ++slot) {
        SvmContainer& container = containers_[slot];
        if (container.in_use()) continue;
        // The slot's ASID: slot + 1, so ASIDs never collide and never are the host's 0.
        const uint32_t asid = slot + 1;
        if (asid >= asid_count_) return Errno::ebusy;
        Status s = container.init(frames_, cpus_, asid, start);
        if (!s) return s;
        return static_cast<hvm::Container*>(&container);
    }
    return Errno::ebusy;
}

void SvmBackend::destroy(hvm::Container* container) {
    LockGuard guard(lock_);
    for (SvmContainer& c : containers_)
        if (&c == container) c.release();
}

} // namespace pv::x86::svm
