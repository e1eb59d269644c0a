// Domains built at boot from a device-tree description (the format:
// core/boot/fdt_domains.hpp), as Xen's dom0less builds them.
//
// The tree is a boot module whose command line starts with the word `fdt`,
// or whose contents start with the device-tree magic 0xd00dfeed; the first
// such module counts. With a tree, it alone says what runs: its privileged
// domain (if any) is Dom0, built as always (build_boot_domain) from the
// modules it names; every other domain is a DomU, created and built here
// with the same builder the toolstack uses, and started at once. A
// boot-time DomU has no console backend: its start_info announces no
// console ring, so it writes with console_io, which the hypervisor prints
// on its serial console as "(dN) ..." lines. Without a tree nothing here
// changes how Dom0 starts.
#pragma once

#include "arch/x86/pv/boot_domain.hpp"
#include "arch/x86/pv/pv_domain_control.hpp"
#include "core/boot/fdt_domains.hpp"
#include "core/builder/pv_builder.hpp"

namespace pv::x86 {

struct BootTimeParts {
    const BootInfo* boot = nullptr;
    FrameAllocator* frames = nullptr;
    PvMmu* mmu = nullptr;
    PvDomainControl* control = nullptr;
    DomainRegistry* registry = nullptr;
    uint64_t dom0_mem_bytes = 0; // dom0_mem=: a privileged domain without `memory` gets it
    bool test_exit = false;      // nothing to run ends a test run with FAIL
};

class BootTimeDomains {
public:
    // Finds the tree and reads it; logs one line per bad domain.
    explicit BootTimeDomains(const BootTimeParts& parts);

    // A tree is there: it, not module 0, decides what runs.
    bool present() const { return tree_ != nullptr; }
    // The privileged domain of the tree, or null.
    const BootDomainSpec* dom0() const;
    // Dom0's kernel, initrd, command line and memory from the tree.
    void describe_dom0(BootDomainRequest& request) const;
    // Dom0's vCPU count: the tree's `cpus`, else `otherwise`.
    uint32_t dom0_vcpus(uint32_t otherwise) const;
    // Builds and unpauses every described DomU (and gives Dom0 its weight
    // and cap once it is scheduled); returns how many DomUs run. With no
    // domain running at all, says so (and fails a test-exit run).
    uint32_t start_domus();

private:
    bool find_tree();
    void read_tree();
    Status start_domu(const BootDomainSpec& spec);
    Status set_start_state(Domain& domain, const builder::PvBuildResult& built);

    BootTimeParts parts_;
    const BootModule* tree_ = nullptr;
    size_t tree_index_ = 0;
    StringView module_names_[BootInfo::k_max_modules];
    BootDomainSpec specs_[k_max_boot_domains];
    size_t count_ = 0;
};

} // namespace pv::x86
