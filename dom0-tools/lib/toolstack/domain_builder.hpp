// From a parsed configuration to a running DomU, as `xl create` does it:
// PV or PVH (domain_mode.hpp: refused before anything is created when
// "pvh" cannot be), createdomain, memory reservation, populate, the console
// channel, the PV builder or the PVH one (the hypervisor's own, over
// foreign mappings; pvh_domain.hpp for the PVH steps), the first vCPU,
// affinity and credit parameters, unpause. A failure at any step undoes the
// earlier ones (ports closed, mappings gone, domain destroyed) and leaves
// one line saying why.
#pragma once

#include "dom0-tools/lib/config/domain_config.hpp"
#include "dom0-tools/lib/toolstack/build_scratch.hpp"
#include "dom0-tools/lib/toolstack/control_plane.hpp"
#include "dom0-tools/lib/toolstack/guest_table.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "dom0-tools/lib/toolstack/toolstack.hpp"
#include "lib/status.hpp"

namespace pv::tools {

// XENFEAT bits a DomU kernel may require: what the hypervisor offers every
// PV guest (hypervisor/arch/x86/pv/boot_domain.cpp offers the boot domain
// the same plus `dom0`).
uint32_t guest_features();

// Builds `config` (its kernel and ramdisk paths as `files` names them) and
// starts it; fills guest.domid, guest.mode, guest.kernel_lacks_pvh and
// guest.console. On failure nothing is left behind and `why` holds the
// reason (without "error: ").
Status build_guest(ControlPlane& hv, FileSource& files, const DomainConfig& config,
                   BuildScratch& scratch, Guest& guest, Failure& why);

// The guest's command line: `cmdline` with "name=NAME " in front unless a
// word of it already starts with "name=". ENAMETOOLONG when it does not fit.
Status compose_cmdline(const DomainConfig& config, char* out, size_t size);

} // namespace pv::tools
