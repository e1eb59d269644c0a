// build_pv_domain for a DomU: start_info announces the console ring (and
// the xenstore ring when there is one) and carries no privilege; the boot
// domain's start_info is as before.
#include "core/builder/pv_builder.hpp"

#include "include/public/elfnote.hpp"
#include "include/public/start_info.hpp"
#include "test_elf.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <string>

using namespace pv;
using namespace pv::builder;
using namespace pv::test;

namespace {

class HostMemory final : public DomainMemory {
public:
    explicit HostMemory(uint64_t pages) : pages_(pages) {}
    uint64_t nr_pages() const override { return pages_.size(); }
    uint64_t mfn_of(uint64_t pfn) const override {
        return 0x5000 + 3 * pfn;
    } // not pfn: mix-ups show
    uint8_t* map(uint64_t pfn) override { return pages_.at(pfn).data(); }
    const abi::StartInfo& start_info(uint64_t va) {
        return *reinterpret_cast<const abi::StartInfo*>(map(va >> 12));
    }

private:
    std::vector<std::array<uint8_t, 4096>> pages_;
};

Bytes minios_like_kernel() {
    auto note = [](abi::ElfNote n) { return static_cast<uint32_t>(n); };
    Notes notes;
    notes.str(note(abi::ElfNote::guest_os), "Mini-OS")
        .str(note(abi::ElfNote::loader), "generic")
        .str(note(abi::ElfNote::xen_version), "xen-3.0");
    return ElfBuilder().entry(0x10).load(0, 0, 0x100, 0x25000).note_segment(notes).build();
}

PvBuildRequest request_for(const Bytes& kernel, bool privileged) {
    PvBuildRequest r;
    r.kernel = kernel.data();
    r.kernel_size = kernel.size();
    r.cmdline = "name=hello";
    r.privileged = privileged;
    r.shared_info_maddr = 0x77000;
    r.policy.hypervisor_features = abi::feature_bit(abi::Feature::writable_page_tables);
    r.policy.as_dom0 = false;
    return r;
}

} // namespace

TEST_CASE("A DomU's start_info names its console ring and event channel", "[builder][domu]") {
    const Bytes kernel = minios_like_kernel();
    HostMemory memory(2048);
    // Rings hold junk until the builder clears them.
    PvBuildRequest request = request_for(kernel, false);
    request.console_evtchn = 7;
    auto first = build_pv_domain(memory, request);
    REQUIRE(first);
    std::memset(memory.map(first->console_pfn), 0xaa, 4096);
    std::memset(memory.map(first->store_pfn), 0xbb, 4096);
    auto built = build_pv_domain(memory, request);
    REQUIRE(built);

    const abi::StartInfo& si = memory.start_info(built->start_info);
    CHECK(std::string(si.magic) == "xen-3.0-x86_64");
    CHECK(si.nr_pages == 2048);
    CHECK(si.shared_info == 0x77000);
    CHECK((si.flags & (abi::k_sif_privileged | abi::k_sif_initdomain)) == 0);
    CHECK(std::string(si.cmd_line) == "name=hello");

    // The layout's console page (libxenguest's: start_info, xenstore, console).
    CHECK(built->console_pfn == built->layout.console_pfn);
    CHECK(built->console_pfn == (built->start_info >> 12) + 2);
    CHECK(built->console_mfn == memory.mfn_of(built->console_pfn));
    CHECK(si.console.domu.mfn == built->console_mfn);
    CHECK(si.console.domu.evtchn == 7);
    for (size_t i = 0; i < 4096; ++i)
        REQUIRE(memory.map(built->console_pfn)[i] == 0);
    for (size_t i = 0; i < 4096; ++i)
        REQUIRE(memory.map(built->store_pfn)[i] == 0);

    // No xenstore: no store frame either.
    CHECK(si.store_mfn == 0);
    CHECK(si.store_evtchn == 0);
    CHECK(built->store_mfn == 0);

    request.store_evtchn = 3;
    auto with_store = build_pv_domain(memory, request);
    REQUIRE(with_store);
    const abi::StartInfo& si2 = memory.start_info(with_store->start_info);
    CHECK(si2.store_mfn == memory.mfn_of(with_store->layout.xenstore_pfn));
    CHECK(si2.store_evtchn == 3);
    CHECK(si2.console.domu.evtchn == 7);
}

TEST_CASE("The boot domain's start_info is unchanged by the DomU fields", "[builder][domu]") {
    const Bytes kernel = minios_like_kernel();
    HostMemory memory(2048);
    PvBuildRequest request = request_for(kernel, true);
    request.console_evtchn = 7; // ignored for the boot domain
    auto built = build_pv_domain(memory, request);
    REQUIRE(built);
    const abi::StartInfo& si = memory.start_info(built->start_info);
    CHECK((si.flags & abi::k_sif_privileged) != 0);
    CHECK((si.flags & abi::k_sif_initdomain) != 0);
    CHECK(si.console.domu.mfn == 0);
    CHECK(si.console.domu.evtchn == 0);
    CHECK(si.store_mfn == 0);
    CHECK(built->console_mfn == 0);
    CHECK(built->layout.console_pfn == 0);
}
