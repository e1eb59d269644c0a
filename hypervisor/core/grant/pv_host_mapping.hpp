// Host mappings of granted frames in a PV mapper's page tables (facts from
// Xen's arch/x86/pv/grant_table.c: create_grant_pv_mapping,
// replace_grant_pv_mapping, grant_to_pte_flags). Internal to core/grant:
// every function runs with the PV MMU's lock held and takes or drops no
// reference on the granted frame itself (the grant code does, see
// grant_table.hpp); it does drop the references of an L1 entry it replaces.
#pragma once

#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "include/public/grant_table.hpp"

#include <cstdint>

namespace pv::grant {

// The L1 entry a grant mapping with these k_gntmap_* flags installs for mfn:
// present, accessed, dirty, NX; RW unless read-only; USER with
// application_map; the guest's avail bits 9-11 from flags bits 16-18; then
// adjusted as every PV L1 entry (a kernel entry gets USER + guest_kernel).
uint64_t grant_pte(uint64_t mfn, uint32_t flags);

// Write grant_pte(mfn, flags) into the mapper's L1 entry for `addr` (a
// virtual address of the vCPU's current tables, or with contains_pte the
// 8-byte-aligned machine address of an entry of one of the domain's L1
// tables), dropping the old entry's references. On success *pte_maddr is the
// entry's machine address. general_error: no such L1 entry, not an L1 table
// of the mapper, or the entry changed under us.
abi::GrantStatus install_grant_pte(PvMmu& mmu, Vcpu& mapper, uint64_t addr, uint32_t flags,
                                   uint64_t mfn, uint64_t& pte_maddr);

// Clear the mapper's L1 entry for `addr` if it maps mfn with the grant's
// present / RW bits (Xen's replace_grant_pv_mapping with new_addr 0). On
// success the caller drops the entry's references. general_error otherwise,
// and nothing changes.
abi::GrantStatus remove_grant_pte(PvMmu& mmu, Vcpu& mapper, uint64_t addr, uint32_t flags,
                                  uint64_t mfn);

// Domain teardown: clear the entry at pte_maddr if it is still a live entry
// of a validated L1 table of `mapper` mapping mfn as the grant made it. True
// if cleared (the caller then drops its references); false if the PV MMU
// already dropped them (the guest overwrote it or the table was torn down).
bool zap_grant_pte(PvMmu& mmu, const Domain& mapper, uint64_t pte_maddr, uint32_t flags,
                   uint64_t mfn);

} // namespace pv::grant
