// The PVH half of building a DomU (domain_builder.cpp does the steps both
// modes share: createdomain with k_create_pvh, memory, populate, the console
// channel, scheduling, unpause). Here, as Xen's toolstack starts a PVH
// guest: the image, hvm_start_info and special pages written by the PVH
// builder through foreign mappings of the populated gfns; the HVM
// parameters that tell the guest where its console (and store) page is;
// vCPU 0 at the PHYS32_ENTRY point; Dom0's console backend on the ring.
#pragma once

#include "dom0-tools/lib/config/domain_config.hpp"
#include "dom0-tools/lib/toolstack/build_scratch.hpp"
#include "dom0-tools/lib/toolstack/control_plane.hpp"
#include "dom0-tools/lib/toolstack/guest_table.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstdint>

namespace pv::tools {

struct PvhImage {
    StringView kernel;
    StringView ramdisk;        // empty: none
    uint64_t pages = 0;        // RAM: gfns [0, pages), their frames in scratch.mfns
    uint32_t console_port = 0; // the guest's end of the console channel
};

// Loads and wires the paused domain `domid`; on failure `why` says which
// step and the caller destroys the domain. No mapping of the build is left
// (the console ring's stays, in guest.console).
Status load_pvh_domain(ControlPlane& hv, const DomainConfig& config, uint16_t domid,
                       const PvhImage& image, BuildScratch& scratch, Guest& guest, Failure& why);

} // namespace pv::tools
