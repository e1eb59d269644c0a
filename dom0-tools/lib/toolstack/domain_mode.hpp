// PV or PVH: what a DomU runs as. `type` in its configuration asks; the
// host (physinfo virt_caps: a hardware container with nested paging) and
// the kernel (a XEN_ELFNOTE_PHYS32_ENTRY note, the PVH entry point) decide
// what can be given:
//   "pv"    PV.
//   "pvh"   PVH, or a refusal naming what is missing (before anything is
//           created).
//   "auto"  PVH when both allow it, else PV; when only the kernel stands in
//           the way, the choice says so (pvctl prints a note).
#pragma once

#include "dom0-tools/lib/config/domain_config.hpp"
#include "dom0-tools/lib/toolstack/control_plane.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstdint>

namespace pv::tools {

struct ModeChoice {
    DomainType mode = DomainType::pv; // pv or pvh, never automatic
    // "auto" on a host that offers PVH, with a kernel that has no PVH entry.
    bool kernel_lacks_pvh = false;
};

// Whether physinfo's virt_caps offer a usable hardware container: AMD SVM
// with nested paging or Intel VMX with EPT and unrestricted guest (the
// hypervisor sets those bits only then).
bool host_offers_pvh(uint32_t virt_caps);

// What the host's containers are, for `pvctl info`: "AMD SVM with NPT",
// "Intel VMX with EPT" or "none".
StringView hardware_container_name(uint32_t virt_caps);

// Whether the kernel image has a PHYS32_ENTRY note. EINVAL (with the
// builder's reason in `why`, naming `path`) when it is not a kernel the
// builder can read at all.
Result<bool> kernel_has_pvh_entry(StringView kernel, StringView path, Failure& why);

// Decides for `config` with kernel bytes `kernel`. On refusal (type "pvh"
// only) returns the error with the reason in `why`.
Status choose_mode(ControlPlane& hv, const DomainConfig& config, StringView kernel,
                   ModeChoice& choice, Failure& why);

} // namespace pv::tools
