#include "dom0-tools/lib/toolstack/guest_table.hpp"

namespace pv::tools {

Guest* GuestTable::find(uint16_t domid) {
    for (Guest& guest : slots_)
        if (guest.in_use && guest.domid == domid) return &guest;
    return nullptr;
}

Guest* GuestTable::allocate() {
    for (Guest& guest : slots_) {
        if (guest.in_use) continue;
        guest.in_use = true;
        guest.domid = 0;
        guest.preserved = false;
        guest.started_ns = 0;
        guest.restarted = false;
        guest.mode = DomainType::pv;
        guest.kernel_lacks_pvh = false;
        guest.console.reset();
        return &guest;
    }
    return nullptr;
}

} // namespace pv::tools
