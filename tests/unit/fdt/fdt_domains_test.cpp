// The device-tree-to-domain translation, on trees written with libfdt's
// sequential-write API (the same blobs dtc makes from a .dts).
#include "core/boot/fdt_domains.hpp"

#include <catch2/catch.hpp>

#include <libfdt.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

using pv::BootDomainMode;
using pv::BootDomainSpec;
using pv::StringView;

std::string text(StringView v) {
    return std::string(v.data(), v.size());
}

// Builds a blob node by node; every call checks libfdt's status.
class TreeWriter {
public:
    TreeWriter() : blob_(16384) {
        REQUIRE(fdt_create(blob_.data(), static_cast<int>(blob_.size())) == 0);
        REQUIRE(fdt_finish_reservemap(blob_.data()) == 0);
        begin("");
    }
    TreeWriter& begin(const char* name) {
        REQUIRE(fdt_begin_node(blob_.data(), name) == 0);
        return *this;
    }
    TreeWriter& end() {
        REQUIRE(fdt_end_node(blob_.data()) == 0);
        return *this;
    }
    TreeWriter& str(const char* name, const char* value) {
        REQUIRE(fdt_property_string(blob_.data(), name, value) == 0);
        return *this;
    }
    TreeWriter& u32(const char* name, uint32_t value) {
        REQUIRE(fdt_property_u32(blob_.data(), name, value) == 0);
        return *this;
    }
    TreeWriter& raw(const char* name, const void* bytes, int length) {
        REQUIRE(fdt_property(blob_.data(), name, bytes, length) == 0);
        return *this;
    }
    TreeWriter& empty(const char* name) { return raw(name, nullptr, 0); }
    std::vector<char> finish() {
        end(); // the root
        REQUIRE(fdt_finish(blob_.data()) == 0);
        blob_.resize(fdt_totalsize(blob_.data()));
        return blob_;
    }

private:
    std::vector<char> blob_;
};

// Modules as scripts/run passes them with --fdt: Dom0, its initrd, the
// tree, then the kernels the tree names.
const StringView k_modules[] = {"dom0", "guests", "fdt", "minios-hello", "minios-spin"};

class Collect final : public pv::FdtDiagnostics {
public:
    void report(StringView message) override { messages.push_back(text(message)); }
    std::vector<std::string> messages;
};

struct Parsed {
    pv::Result<size_t> count{pv::Errno::einval};
    BootDomainSpec specs[pv::k_max_boot_domains];
    std::vector<std::string> messages;
};

Parsed parse(const std::vector<char>& blob, uint64_t free_mib = 900,
             size_t capacity = pv::k_max_boot_domains) {
    pv::FdtDomainsInput input;
    input.blob = blob.data();
    input.blob_size = blob.size();
    input.module_names = k_modules;
    input.module_count = sizeof k_modules / sizeof k_modules[0];
    input.tree_module = 2;
    input.free_mib = free_mib;
    input.default_privileged_mib = 256;
    Parsed p;
    Collect collect;
    p.count = pv::parse_fdt_domains(input, p.specs, capacity, collect);
    p.messages = collect.messages;
    return p;
}

// A valid DomU node.
TreeWriter& domu(TreeWriter& t, const char* name, uint32_t memory = 16) {
    return t.begin(name).str("kernel", "minios-hello").u32("memory", memory).end();
}

} // namespace

TEST_CASE("fdt: Dom0 and two DomUs, every property", "[fdt]") {
    TreeWriter t;
    t.begin("domains");
    t.begin("dom0")
        .empty("privileged")
        .str("kernel", "dom0")
        .u32("ramdisk", 1)
        .u32("memory", 300)
        .end();
    t.begin("alpha")
        .str("compatible", "paravane,domain")
        .u32("kernel", 3)
        .str("bootargs", "exit-after=5 loud")
        .u32("memory", 32)
        .u32("cpus", 2)
        .str("mode", "pv")
        .u32("weight", 512)
        .u32("cap", 150)
        .end();
    t.begin("beta@2")
        .str("kernel", "minios-spin")
        .str("ramdisk", "guests")
        .u32("memory", 8)
        .str("mode", "pvh")
        .end();
    t.end();
    Parsed p = parse(t.finish());
    REQUIRE(p.count.is_ok());
    REQUIRE(*p.count == 3);
    CHECK(p.messages.empty());

    const BootDomainSpec& d0 = p.specs[0];
    CHECK(text(d0.name) == "dom0");
    CHECK(d0.privileged);
    CHECK(d0.kernel_module == 0);
    CHECK(d0.has_ramdisk);
    CHECK(d0.ramdisk_module == 1);
    CHECK_FALSE(d0.has_cmdline);
    CHECK(d0.memory_mib == 300);

    const BootDomainSpec& a = p.specs[1];
    CHECK(text(a.name) == "alpha");
    CHECK_FALSE(a.privileged);
    CHECK(a.kernel_module == 3);
    CHECK_FALSE(a.has_ramdisk);
    CHECK(a.has_cmdline);
    CHECK(text(a.cmdline) == "exit-after=5 loud");
    CHECK(a.memory_mib == 32);
    CHECK(a.vcpus == 2);
    CHECK(a.mode == BootDomainMode::pv);
    CHECK(a.weight == 512);
    CHECK(a.cap == 150);

    const BootDomainSpec& b = p.specs[2];
    CHECK(text(b.name) == "beta"); // the unit address is not part of the name
    CHECK(b.kernel_module == 4);
    CHECK(b.ramdisk_module == 1);
    CHECK(b.mode == BootDomainMode::pvh);
}

TEST_CASE("fdt: defaults of the optional properties", "[fdt]") {
    TreeWriter t;
    t.begin("domains");
    domu(t, "solo");
    t.begin("boss").empty("privileged").u32("kernel", 0).end();
    t.end();
    Parsed p = parse(t.finish());
    REQUIRE(*p.count == 2);
    const BootDomainSpec& s = p.specs[0];
    CHECK(s.vcpus == 1);
    CHECK(s.mode == BootDomainMode::automatic);
    CHECK(s.weight == 256);
    CHECK(s.cap == 0);
    CHECK_FALSE(s.has_ramdisk);
    CHECK_FALSE(s.has_cmdline);
    // A privileged domain may leave its size and vCPUs to the hypervisor.
    CHECK(p.specs[1].memory_mib == 0);
    CHECK(p.specs[1].vcpus == 0);
    CHECK(p.messages.empty());
}

TEST_CASE("fdt: a missing property leaves that domain out, the others stay", "[fdt]") {
    TreeWriter t;
    t.begin("domains");
    domu(t, "first");
    t.begin("nokernel").u32("memory", 16).end();
    t.begin("nomemory").str("kernel", "minios-hello").end();
    domu(t, "last");
    t.end();
    Parsed p = parse(t.finish());
    REQUIRE(*p.count == 2);
    CHECK(text(p.specs[0].name) == "first");
    CHECK(text(p.specs[1].name) == "last");
    CHECK(p.messages ==
          std::vector<std::string>{"fdt: domain 'nokernel': missing property 'kernel'",
                                   "fdt: domain 'nomemory': missing property 'memory'"});
}

TEST_CASE("fdt: properties of the wrong type", "[fdt]") {
    const uint32_t two_cells[] = {0, cpu_to_fdt32(3)};
    TreeWriter t;
    t.begin("domains");
    t.begin("a").str("kernel", "minios-hello").str("memory", "16M").end();
    t.begin("b").raw("kernel", two_cells, sizeof two_cells).u32("memory", 16).end();
    t.begin("c").str("kernel", "minios-hello").u32("memory", 16).u32("bootargs", 7).end();
    t.begin("d").str("kernel", "minios-hello").u32("memory", 16).u32("privileged", 1).end();
    t.begin("e").str("kernel", "minios-hello").u32("memory", 16).str("mode", "hvm").end();
    t.begin("f").str("kernel", "minios-hello").u32("memory", 16).u32("mode", 1).end();
    t.begin("g").str("kernel", "minios-hello").u32("memory", 16).str("cpus", "two").end();
    domu(t, "good");
    t.end();
    Parsed p = parse(t.finish());
    REQUIRE(*p.count == 1);
    CHECK(text(p.specs[0].name) == "good");
    CHECK(p.messages ==
          std::vector<std::string>{
              "fdt: domain 'a': property 'memory' is not a 32-bit number",
              "fdt: domain 'b': property 'kernel' is neither a module index nor a module name",
              "fdt: domain 'c': property 'bootargs' is not a string",
              "fdt: domain 'd': property 'privileged' takes no value",
              "fdt: domain 'e': mode \"hvm\" is not \"pv\", \"pvh\" or \"auto\"",
              "fdt: domain 'f': property 'mode' is not a string",
              "fdt: domain 'g': property 'cpus' is not a 32-bit number",
          });
}

TEST_CASE("fdt: unknown modules", "[fdt]") {
    TreeWriter t;
    t.begin("domains");
    t.begin("a").u32("kernel", 9).u32("memory", 16).end();
    t.begin("b").str("kernel", "minios-nothing").u32("memory", 16).end();
    t.begin("c").u32("kernel", 2).u32("memory", 16).end();
    t.begin("d").str("kernel", "fdt").u32("memory", 16).end();
    t.begin("e").str("kernel", "minios-hello").str("ramdisk", "initrd").u32("memory", 16).end();
    domu(t, "good");
    t.end();
    Parsed p = parse(t.finish());
    REQUIRE(*p.count == 1);
    CHECK(p.messages ==
          std::vector<std::string>{
              "fdt: domain 'a': kernel module 9 does not exist (5 boot modules)",
              "fdt: domain 'b': kernel module 'minios-nothing' not found among the boot modules",
              "fdt: domain 'c': kernel module 2 is the device tree itself",
              "fdt: domain 'd': kernel module 'fdt' not found among the boot modules",
              "fdt: domain 'e': ramdisk module 'initrd' not found among the boot modules",
          });
}

TEST_CASE("fdt: a four-byte string names a module", "[fdt]") {
    static const StringView modules[] = {"abc", "xyz"};
    TreeWriter t;
    t.begin("domains");
    t.begin("short").str("kernel", "xyz").u32("memory", 16).end();
    t.end();
    std::vector<char> blob = t.finish();
    pv::FdtDomainsInput input;
    input.blob = blob.data();
    input.blob_size = blob.size();
    input.module_names = modules;
    input.module_count = 2;
    input.free_mib = 100;
    BootDomainSpec spec[1];
    Collect collect;
    auto count = pv::parse_fdt_domains(input, spec, 1, collect);
    REQUIRE(*count == 1);
    CHECK(spec[0].kernel_module == 1);
}

TEST_CASE("fdt: memory is counted in the tree's order against what is free", "[fdt]") {
    TreeWriter t;
    t.begin("domains");
    t.begin("dom0").empty("privileged").str("kernel", "dom0").end(); // 256 MiB by default
    domu(t, "big", 700);
    domu(t, "fits", 500);
    domu(t, "over", 200);
    domu(t, "small", 100);
    t.end();
    Parsed p = parse(t.finish(), 900);
    REQUIRE(*p.count == 3);
    CHECK(text(p.specs[1].name) == "fits");
    CHECK(text(p.specs[2].name) == "small");
    CHECK(p.messages == std::vector<std::string>{
                            "fdt: domain 'big': memory 700 MiB is more than the 644 MiB free",
                            "fdt: domain 'over': memory 200 MiB is more than the 144 MiB free",
                        });
}

TEST_CASE("fdt: names are unique, and one domain at most is privileged", "[fdt]") {
    TreeWriter t;
    t.begin("domains");
    domu(t, "twin@1");
    domu(t, "twin@2");
    t.begin("boss").empty("privileged").str("kernel", "dom0").u32("memory", 64).end();
    t.begin("usurper").empty("privileged").str("kernel", "dom0").u32("memory", 64).end();
    t.begin("this-name-is-far-too-long-for-a-domain").str("kernel", "dom0").u32("memory", 8).end();
    t.end();
    Parsed p = parse(t.finish());
    REQUIRE(*p.count == 2);
    CHECK(
        p.messages ==
        std::vector<std::string>{
            "fdt: domain 'twin': duplicate name",
            "fdt: domain 'usurper': a second privileged domain (the first is 'boss')",
            "fdt: domain 'this-name-is-far-too-long-for-a-domain': name longer than 31 characters",
        });
}

TEST_CASE("fdt: numbers out of range", "[fdt]") {
    TreeWriter t;
    t.begin("domains");
    t.begin("a").str("kernel", "minios-hello").u32("memory", 16).u32("cpus", 0).end();
    t.begin("b").str("kernel", "minios-hello").u32("memory", 16).u32("cpus", 9).end();
    t.begin("c").str("kernel", "minios-hello").u32("memory", 16).u32("weight", 0).end();
    t.begin("d")
        .str("kernel", "minios-hello")
        .u32("memory", 16)
        .u32("cpus", 2)
        .u32("cap", 201)
        .end();
    t.begin("e").str("kernel", "minios-hello").u32("memory", 0).end();
    t.end();
    Parsed p = parse(t.finish());
    REQUIRE(*p.count == 0);
    CHECK(p.messages == std::vector<std::string>{
                            "fdt: domain 'a': cpus 0 is out of range (1..8)",
                            "fdt: domain 'b': cpus 9 is out of range (1..8)",
                            "fdt: domain 'c': weight 0 is out of range (1..65535)",
                            "fdt: domain 'd': cap 201 is out of range (0..200)",
                            "fdt: domain 'e': memory 0 MiB: a domain needs some",
                        });
}

TEST_CASE("fdt: unknown properties are reported and ignored", "[fdt]") {
    TreeWriter t;
    t.begin("domains");
    t.begin("typo").str("kernel", "minios-hello").u32("memroy", 16).end();
    t.begin("extra").str("kernel", "minios-hello").u32("memory", 16).str("colour", "blue").end();
    t.end();
    Parsed p = parse(t.finish());
    REQUIRE(*p.count == 1);
    CHECK(text(p.specs[0].name) == "extra");
    CHECK(p.messages == std::vector<std::string>{
                            "fdt: domain 'typo': unknown property 'memroy' ignored",
                            "fdt: domain 'typo': missing property 'memory'",
                            "fdt: domain 'extra': unknown property 'colour' ignored",
                        });
}

TEST_CASE("fdt: more domains than fit", "[fdt]") {
    TreeWriter t;
    t.begin("domains");
    domu(t, "one");
    domu(t, "two");
    domu(t, "three");
    t.end();
    Parsed p = parse(t.finish(), 900, 2);
    REQUIRE(*p.count == 2);
    CHECK(p.messages ==
          std::vector<std::string>{"fdt: domain 'three': more than 2 domains; left out"});
}

TEST_CASE("fdt: trees that describe nothing", "[fdt]") {
    SECTION("not a device tree") {
        std::vector<char> junk(64, 'x');
        Parsed p = parse(junk);
        CHECK(p.count.error() == pv::Errno::einval);
        CHECK(p.messages ==
              std::vector<std::string>{"fdt: not a device tree (no 0xd00dfeed magic)"});
    }
    SECTION("cut short") {
        TreeWriter t;
        t.begin("domains");
        domu(t, "a");
        t.end();
        std::vector<char> blob = t.finish();
        blob.resize(blob.size() / 2);
        Parsed p = parse(blob);
        CHECK(p.count.error() == pv::Errno::einval);
        REQUIRE(p.messages.size() == 1);
        CHECK(p.messages[0].rfind("fdt: not a valid device tree: ", 0) == 0);
    }
    SECTION("no /domains node") {
        TreeWriter t;
        t.begin("chosen").str("bootargs", "x").end();
        Parsed p = parse(t.finish());
        CHECK(p.count.error() == pv::Errno::einval);
        CHECK(p.messages ==
              std::vector<std::string>{"fdt: no /domains node: no domains described"});
    }
}

TEST_CASE("fdt: the magic", "[fdt]") {
    const unsigned char magic[] = {0xd0, 0x0d, 0xfe, 0xed, 0};
    CHECK(pv::looks_like_fdt(magic, sizeof magic));
    CHECK_FALSE(pv::looks_like_fdt(magic, 3));
    CHECK_FALSE(pv::looks_like_fdt("\x7f"
                                   "ELF",
                                   4));
    CHECK_FALSE(pv::looks_like_fdt(nullptr, 0));
}
