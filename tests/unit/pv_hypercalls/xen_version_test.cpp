// xen_version: every sub-op, the feature word Xen 4.17 gives a PV domain,
// the privileged-only sub-ops, hostile pointers.
#include "include/public/version.hpp"
#include "tests/unit/pv_hypercalls/pv_errors.hpp"

#include "tests/unit/pv_hypercalls/pv_fixture.hpp"
#include <catch2/catch.hpp>

#include <string>

using namespace pv;
using namespace pv::test;
using abi::Feature;
using abi::VersionOp;

namespace {

constexpr uint64_t k_xv = abi::raw(abi::Hypercall::xen_version);
constexpr uint64_t op(VersionOp o) {
    return abi::raw(o);
}

std::string read_bytes(PvFixture& f, uint64_t va, size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i)
        s.push_back(f.mem.get<char>(va + i));
    return s;
}

std::string padded(const std::string& s, size_t n) {
    std::string out = s.substr(0, n - 1);
    out.resize(n, '\0');
    return out;
}

uint32_t features(PvFixture& f, uint32_t idx = 0) {
    f.mem.put(f.at(0x40), abi::FeatureInfo{idx, 0xdead});
    REQUIRE(f.call(k_xv, op(VersionOp::get_features), f.at(0x40)) == 0);
    return f.mem.get<abi::FeatureInfo>(f.at(0x40)).submap;
}

constexpr uint32_t bit(Feature x) {
    return abi::feature_bit(x);
}

} // namespace

TEST_CASE("xen_version version and pagesize", "[pv_hypercalls]") {
    PvFixture f;
    CHECK(f.call(k_xv, op(VersionOp::version)) == ((4 << 16) | 17));
    CHECK(f.call(k_xv, op(VersionOp::version), k_hv_address) == ((4 << 16) | 17));
    CHECK(f.call(k_xv, op(VersionOp::pagesize)) == 4096);
    CHECK(f.call(k_xv, op(VersionOp::pagesize), f.at(0)) == k_einval);
}

TEST_CASE("xen_version strings are truncated and zero-padded to their fields", "[pv_hypercalls]") {
    PvFixture f;
    f.services.version.extraversion = ".0-paravane-with-a-long-suffix";
    for (uint64_t i = 0; i < 2048; ++i)
        f.mem.put<char>(f.at(i), '#');

    CHECK(f.call(k_xv, op(VersionOp::extraversion), f.at(0)) == 0);
    CHECK(read_bytes(f, f.at(0), 16) == padded(".0-paravane-with-a-long-suffix", 16));
    CHECK(f.mem.get<char>(f.at(16)) == '#');

    CHECK(f.call(k_xv, op(VersionOp::capabilities), f.at(0)) == 0);
    CHECK(read_bytes(f, f.at(0), 1024) == padded("xen-3.0-x86_64", 1024));
    CHECK(f.mem.get<char>(f.at(1024)) == '#');

    CHECK(f.call(k_xv, op(VersionOp::changeset), f.at(0)) == 0);
    CHECK(read_bytes(f, f.at(0), 64) == padded("abcdef123456", 64));

    CHECK(f.call(k_xv, op(VersionOp::compile_info), f.at(0)) == 0);
    const auto info = f.mem.get<abi::CompileInfo>(f.at(0));
    CHECK(std::string(info.compiler) == "g++ (test)");
    CHECK(std::string(info.compile_by) == "tester");
    CHECK(std::string(info.compile_domain) == "example.org");
    CHECK(std::string(info.compile_date) == "Mon Jan  1 00:00:00 UTC 2024");

    f.services.version.changeset = nullptr; // an absent string reads as ""
    CHECK(f.call(k_xv, op(VersionOp::changeset), f.at(0)) == 0);
    CHECK(read_bytes(f, f.at(0), 64) == std::string(64, '\0'));
}

TEST_CASE("xen_version platform_parameters and guest_handle", "[pv_hypercalls]") {
    PvFixture f;
    CHECK(f.call(k_xv, op(VersionOp::platform_parameters), f.at(8)) == 0);
    CHECK(f.mem.get<uint64_t>(f.at(8)) == 0xffff'8000'0000'0000);

    CHECK(f.call(k_xv, op(VersionOp::guest_handle), f.at(0x100)) == 0);
    for (uint64_t i = 0; i < 16; ++i)
        CHECK(f.mem.get<uint8_t>(f.at(0x100 + i)) == 0xa0 + i);
}

TEST_CASE("xen_version get_features is Xen 4.17's word for a PV domain", "[pv_hypercalls]") {
    const uint32_t common = bit(Feature::memory_op_vnode_supported) |
                            bit(Feature::mmu_pt_update_preserve_ad) | bit(Feature::highmem_assist) |
                            bit(Feature::gnttab_map_avail_bits) | bit(Feature::direct_mapped);
    SECTION("unprivileged") {
        PvFixture f(false);
        CHECK(features(f) == common);
    }
    SECTION("privileged adds dom0") {
        PvFixture f(true);
        CHECK(features(f) == (common | bit(Feature::dom0)));
    }
    SECTION("pae_pgdir_above_4gb follows VMASST pae_extended_cr3") {
        PvFixture f;
        f.domain.vm_assist = 1u << abi::raw(abi::VmAssistType::pae_extended_cr3);
        CHECK(features(f) == (common | bit(Feature::pae_pgdir_above_4gb)));
    }
    SECTION("never the translated-guest features") {
        PvFixture f(true);
        const uint32_t w = features(f);
        CHECK((w & bit(Feature::writable_page_tables)) == 0);
        CHECK((w & bit(Feature::auto_translated_physmap)) == 0);
        CHECK((w & bit(Feature::supervisor_mode_kernel)) == 0);
        CHECK((w & bit(Feature::not_direct_mapped)) == 0);
    }
    SECTION("a PVH domain gets the translated-guest word instead") {
        PvFixture f;
        f.domain.pvh = true;
        CHECK(features(f) == (bit(Feature::memory_op_vnode_supported) | bit(Feature::writable_page_tables) |
                              bit(Feature::auto_translated_physmap) | bit(Feature::hvm_callback_vector) |
                              bit(Feature::hvm_safe_pvclock) | bit(Feature::not_direct_mapped)));
    }
    SECTION("other submaps: -EINVAL, guest struct unchanged") {
        PvFixture f;
        for (uint32_t idx : {1u, 2u, 0xffff'ffffu}) {
            f.mem.put(f.at(0x40), abi::FeatureInfo{idx, 0xdead});
            CHECK(f.call(k_xv, op(VersionOp::get_features), f.at(0x40)) == k_einval);
            CHECK(f.mem.get<abi::FeatureInfo>(f.at(0x40)).submap == 0xdead);
        }
    }
    SECTION("hostile pointers") {
        PvFixture f;
        CHECK(f.call(k_xv, op(VersionOp::get_features), 0) == k_efault);
        CHECK(f.call(k_xv, op(VersionOp::get_features), k_hv_address) == k_efault);
        CHECK(f.call(k_xv, op(VersionOp::get_features), k_noncanonical) == k_efault);
        f.mem.set_page(f.at(0), FakeGuestMemory::Page::read_only);
        f.mem.put(f.at(0x40), abi::FeatureInfo{0, 0xdead});
        CHECK(f.call(k_xv, op(VersionOp::get_features), f.at(0x40)) == k_efault);
        CHECK(f.mem.get<abi::FeatureInfo>(f.at(0x40)).submap == 0xdead);
    }
}

TEST_CASE("xen_version output sub-ops refuse hostile pointers", "[pv_hypercalls]") {
    PvFixture f;
    const uint64_t end = f.mem.end();
    for (VersionOp o :
         {VersionOp::extraversion, VersionOp::compile_info, VersionOp::capabilities,
          VersionOp::changeset, VersionOp::platform_parameters, VersionOp::guest_handle}) {
        CAPTURE(abi::raw(o));
        CHECK(f.call(k_xv, op(o), 0) == k_efault);
        CHECK(f.call(k_xv, op(o), k_hv_address) == k_efault);
        CHECK(f.call(k_xv, op(o), k_noncanonical) == k_efault);
        CHECK(f.call(k_xv, op(o), end - 1) == k_efault); // runs off the mapped pages
    }
    // Misaligned is fine: the ABI structures are copied bytewise.
    CHECK(f.call(k_xv, op(VersionOp::platform_parameters), f.at(3)) == 0);
}

TEST_CASE("xen_version commandline and build_id are privileged", "[pv_hypercalls]") {
    SECTION("unprivileged commandline reads <denied>, 9 bytes only") {
        PvFixture f(false);
        for (uint64_t i = 0; i < 32; ++i)
            f.mem.put<char>(f.at(i), '#');
        CHECK(f.call(k_xv, op(VersionOp::commandline), f.at(0)) == 0);
        CHECK(read_bytes(f, f.at(0), 10) == std::string("<denied>\0#", 10));
        CHECK(f.call(k_xv, op(VersionOp::commandline), k_hv_address) == k_efault);
    }
    SECTION("privileged commandline: the whole 1024-byte field") {
        PvFixture f(true);
        CHECK(f.call(k_xv, op(VersionOp::commandline), f.at(0)) == 0);
        CHECK(read_bytes(f, f.at(0), 1024) == padded("console=com1 dom0_mem=256M", 1024));
    }
    SECTION("unprivileged build_id: -EPERM") {
        PvFixture f(false);
        CHECK(f.call(k_xv, op(VersionOp::build_id), 0) == k_eperm);
    }
    SECTION("privileged build_id") {
        PvFixture f(true);
        CHECK(f.call(k_xv, op(VersionOp::build_id), 0) == k_enodata);
        const uint8_t id[] = {1, 2, 3, 4, 5};
        f.services.version.build_id = id;
        f.services.version.build_id_len = 5;
        CHECK(f.call(k_xv, op(VersionOp::build_id), 0) == 5); // size query
        f.mem.put<uint32_t>(f.at(0), 0);
        CHECK(f.call(k_xv, op(VersionOp::build_id), f.at(0)) == k_einval);
        f.mem.put<uint32_t>(f.at(0), 4);
        CHECK(f.call(k_xv, op(VersionOp::build_id), f.at(0)) == k_enobufs);
        f.mem.put<uint32_t>(f.at(0), 64);
        CHECK(f.call(k_xv, op(VersionOp::build_id), f.at(0)) == 5);
        CHECK(f.mem.get<uint8_t>(f.at(4)) == 1);
        CHECK(f.mem.get<uint8_t>(f.at(8)) == 5);
        CHECK(f.call(k_xv, op(VersionOp::build_id), k_hv_address) == k_efault);
    }
}

TEST_CASE("xen_version unknown sub-ops", "[pv_hypercalls]") {
    PvFixture f(true);
    for (uint64_t cmd : {11ull, 12ull, 13ull, 14ull, 15ull, 0xffff'ffffull, 0x7fff'ffffull})
        CHECK(f.call(k_xv, cmd, f.at(0)) == k_enosys);
    // cmd is an int: the upper half of the register is ignored.
    CHECK(f.call(k_xv, 0xffff'ffff'0000'0000ull) == ((4 << 16) | 17));
}
