// pvctl create for PVH: choosing the mode (type = "pv" | "pvh" | "auto"
// against the host's containers and the kernel's PVH entry point), the
// build sequence the hypervisor sees, and a failure at each PVH step leaving
// nothing behind.
#include "toolstack_fixture.hpp"

#include "core/builder/pvh_builder.hpp"
#include "dom0-tools/lib/toolstack/domain_mode.hpp"
#include "dom0-tools/lib/toolstack/foreign_memory.hpp"
#include "include/public/hvm.hpp"
#include "include/public/hvm_start_info.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace pv;
using namespace pv::test;

namespace {

constexpr uint32_t k_svm = abi::k_virt_cap_pv | abi::k_virt_cap_svm;
constexpr uint32_t k_vmx = abi::k_virt_cap_pv | abi::k_virt_cap_vmx;

constexpr const char* k_no_containers =
    "error: type \"pvh\": this CPU offers no hardware containers (AMD SVM with NPT or Intel VMX "
    "with EPT and unrestricted guest); use type = \"pv\" or \"auto\"\n";

uint64_t param(const FakeDomain& d, abi::HvmParamIndex index) {
    auto it = d.hvm_params.find(abi::raw(index));
    return it == d.hvm_params.end() ? ~uint64_t{0} : it->second;
}

// A create that must fail without creating anything; returns its output.
std::string refused(ToolstackFixture& f, const std::string& line) {
    CHECK_FALSE(f.run(line));
    CHECK(f.clean());
    CHECK(std::find(f.hv.calls.begin(), f.hv.calls.end(), "create") == f.hv.calls.end());
    return f.out();
}

// A create that must fail after createdomain: the domain is destroyed.
std::string undone(ToolstackFixture& f, const std::string& line = "create /guests/hello-pvh.cfg") {
    CHECK_FALSE(f.run(line));
    CHECK(f.clean());
    CHECK(std::find(f.hv.calls.begin(), f.hv.calls.end(), "destroy") != f.hv.calls.end());
    const std::string out = f.out();
    CHECK(out.rfind("error: ", 0) == 0);
    CHECK(std::count(out.begin(), out.end(), '\n') == 1);
    return out;
}

} // namespace

TEST_CASE("type auto: PVH with a container and a PVH kernel, else PV", "[toolstack][pvh]") {
    for (uint32_t caps : {k_svm, k_vmx}) {
        ToolstackFixture f;
        f.hv.virt_caps = caps;
        REQUIRE(f.run("create /guests/dual.cfg"));
        CHECK(f.out() == "pvctl: dual (d1) created\n");
        FakeDomain* d = f.hv.find("dual");
        REQUIRE(d != nullptr);
        CHECK(d->pvh);
        CHECK(d->create_flags == abi::k_create_pvh);
    }
    SECTION("no container: PV, silently") {
        ToolstackFixture f;
        f.hv.virt_caps = abi::k_virt_cap_pv;
        REQUIRE(f.run("create /guests/dual.cfg"));
        CHECK(f.out() == "pvctl: dual (d1) created\n");
        FakeDomain* d = f.hv.find("dual");
        REQUIRE(d != nullptr);
        CHECK_FALSE(d->pvh);
        CHECK(d->create_flags == 0);
        CHECK(d->pinned_l4.has_value()); // the PV path
        CHECK(d->hvm_params.empty());
    }
    SECTION("physinfo fails: PV (it always works)") {
        ToolstackFixture f;
        f.hv.virt_caps = k_svm;
        f.hv.fail_physinfo = Errno::eperm;
        REQUIRE(f.run("create /guests/dual.cfg"));
        CHECK_FALSE(f.hv.find("dual")->pvh);
    }
    SECTION("a container but a kernel without PHYS32_ENTRY: PV with a note") {
        ToolstackFixture f;
        f.hv.virt_caps = k_svm;
        REQUIRE(f.run("create /guests/hello.cfg")); // no type: "auto"
        CHECK(f.out() == "pvctl: note: kernel /guests/minios-hello has no PVH entry point "
                         "(XEN_ELFNOTE_PHYS32_ENTRY): 'hello' runs as PV\n"
                         "pvctl: hello (d1) created\n");
        CHECK_FALSE(f.hv.find("hello")->pvh);
    }
    SECTION("a container but no ELF at all: the PV builder's error, once") {
        ToolstackFixture f;
        f.hv.virt_caps = k_svm;
        f.files.files["/guests/text"] = "not an ELF file";
        f.files.files["/guests/text.cfg"] = "name = \"t\"\nkernel = \"/guests/text\"\n";
        CHECK(undone(f, "create /guests/text.cfg").rfind("error: kernel /guests/text: ", 0) == 0);
    }
    SECTION("type pv stays PV on a host that could do PVH") {
        ToolstackFixture f;
        f.hv.virt_caps = k_svm;
        REQUIRE(f.run("create /guests/dual.cfg type=pv"));
        CHECK(f.out() == "pvctl: dual (d1) created\n");
        CHECK_FALSE(f.hv.find("dual")->pvh);
    }
}

TEST_CASE("type pvh is refused before anything is created when it cannot be",
          "[toolstack][pvh][errors]") {
    ToolstackFixture f;
    SECTION("no hardware containers") {
        f.hv.virt_caps = abi::k_virt_cap_pv;
        CHECK(refused(f, "create /guests/hello-pvh.cfg") == k_no_containers);
        // The same from an override.
        CHECK(refused(f, "create /guests/dual.cfg type=pvh") == k_no_containers);
        // Bits the toolstack does not know do not count as a container.
        f.hv.virt_caps = abi::k_virt_cap_pv | (1u << 9);
        CHECK(refused(f, "create /guests/hello-pvh.cfg") == k_no_containers);
    }
    SECTION("the host's capabilities cannot be read") {
        f.hv.virt_caps = k_svm;
        f.hv.fail_physinfo = Errno::eperm;
        CHECK(refused(f, "create /guests/hello-pvh.cfg")
                  .rfind("error: type \"pvh\": cannot ask the hypervisor what this CPU offers: ",
                         0) == 0);
    }
    SECTION("a kernel without a PVH entry point") {
        f.hv.virt_caps = k_svm;
        CHECK(refused(f, "create /guests/hello.cfg type=pvh") ==
              "error: type \"pvh\": kernel /guests/minios-hello has no PVH entry point "
              "(XEN_ELFNOTE_PHYS32_ENTRY); use type = \"pv\" or \"auto\"\n");
    }
    SECTION("a kernel that is not one") {
        f.hv.virt_caps = k_vmx;
        f.files.files["/guests/text"] = "not an ELF file";
        CHECK(refused(f, "create /guests/hello-pvh.cfg kernel=/guests/text")
                  .rfind("error: kernel /guests/text: ", 0) == 0);
        f.files.files["/guests/plain"] =
            as_text(ElfBuilder().entry(0x10).load(0, 0, 0x100, 0x2000).build());
        CHECK(refused(f, "create /guests/hello-pvh.cfg kernel=/guests/plain")
                  .rfind("error: kernel /guests/plain: ", 0) == 0);
    }
}

TEST_CASE("type: wrong values name the line", "[toolstack][pvh][errors]") {
    ToolstackFixture f;
    f.hv.virt_caps = k_svm;
    f.files.files["/guests/bad.cfg"] = "name = \"bad\"\ntype = \"hvm\"\nkernel = \"minios-dual\"\n";
    CHECK(refused(f, "create /guests/bad.cfg") ==
          "error: /guests/bad.cfg:2: type: HVM guests are not supported (use \"pv\", \"pvh\" or "
          "\"auto\")\n");
    f.files.files["/guests/bad.cfg"] =
        "name = \"bad\"\n\ntype = \"PVH\"\nkernel = \"minios-dual\"\n";
    CHECK(refused(f, "create /guests/bad.cfg") ==
          "error: /guests/bad.cfg:3: type: expected \"pv\", \"pvh\" or \"auto\", got \"PVH\"\n");
    f.files.files["/guests/bad.cfg"] = "name = \"bad\"\ntype = 1\nkernel = \"minios-dual\"\n";
    CHECK(refused(f, "create /guests/bad.cfg").rfind("error: /guests/bad.cfg:2: type: ", 0) == 0);
    f.files.files["/guests/bad.cfg"] = "name = \"bad\"\ntype = pvh\nkernel = \"minios-dual\"\n";
    CHECK(refused(f, "create /guests/bad.cfg").rfind("error: /guests/bad.cfg:2: ", 0) == 0);
    CHECK(refused(f, "create /guests/dual.cfg type=automatic") ==
          "error: command line:1: type: expected \"pv\", \"pvh\" or \"auto\", got "
          "\"automatic\"\n");
    CHECK(refused(f, "create /guests/dual.cfg type=").rfind("error: command line:1: ", 0) == 0);
}

TEST_CASE("create builds, wires and starts a PVH domain", "[toolstack][pvh][create]") {
    ToolstackFixture f;
    f.hv.virt_caps = k_svm;
    REQUIRE(f.run("create /guests/hello-pvh.cfg"));
    CHECK(f.out() == "pvctl: hello-pvh (d1) created\n");
    FakeDomain* d = f.hv.find("hello-pvh");
    REQUIRE(d != nullptr);
    const uint64_t pages = 8 * 256;

    // The hypervisor saw the PVH sequence: no page tables to pin.
    CHECK(f.hv.calls == std::vector<std::string>{"create", "max_mem", "populate", "alloc_unbound",
                                                 "bind", "hvm_param", "hvm_param",
                                                 "context", "unpause"});
    CHECK(d->create_flags == abi::k_create_pvh);
    CHECK(d->max_memkb == 8 * 1024);
    CHECK(d->p2m.size() == pages);
    CHECK(d->p2m.begin()->first == 0);
    CHECK(d->p2m.rbegin()->first == pages - 1);
    CHECK_FALSE(d->pinned_l4.has_value());
    CHECK(d->unpauses == 1);
    CHECK_FALSE(d->paused);

    // The special pages are where the builder put them; the console channel
    // is the port Dom0 bound.
    const uint64_t console_gfn = pages - builder::k_pvh_console_pages_from_top;
    CHECK(param(*d, abi::HvmParamIndex::console_pfn) == console_gfn);
    // No xenstore: its page and channel stay unset (0), which tells the guest.
    CHECK(d->hvm_params.count(abi::raw(abi::HvmParamIndex::store_pfn)) == 0);
    REQUIRE(f.hv.dom0_ports.size() == 1);
    const auto& channel = f.hv.dom0_ports.begin()->second;
    CHECK(channel.domid == d->id);
    CHECK(param(*d, abi::HvmParamIndex::console_evtchn) == channel.remote_port);
    CHECK(channel.remote_port != 0);
    CHECK(d->hvm_params.size() == 2); // console page and channel only

    // vCPU 0: EIP = PHYS32_ENTRY, EBX = hvm_start_info; nothing else.
    REQUIRE(d->context.has_value());
    abi::VcpuGuestContext expected{};
    std::memset(&expected, 0, sizeof expected);
    expected.user_regs.rip = k_pvh_entry;
    const uint64_t start_info = d->context->user_regs.rbx;
    expected.user_regs.rbx = start_info;
    CHECK(std::memcmp(&*d->context, &expected, sizeof expected) == 0);
    CHECK(start_info == (pages - builder::k_pvh_boot_info_pages_from_top) * 4096);

    // What the builder wrote went to the right frames: the kernel at its
    // physical address, hvm_start_info with the composed command line.
    const std::string kernel = f.hv.read_gpa(d->id, k_pvh_kernel_base, 4);
    CHECK(kernel == "\xa0\xa1\xa2\xa3");
    abi::HvmStartInfo si{};
    const std::string raw = f.hv.read_gpa(d->id, start_info, sizeof si);
    std::memcpy(&si, raw.data(), sizeof si);
    CHECK(si.magic == abi::k_hvm_start_magic);
    CHECK(si.version == 1);
    CHECK(si.nr_modules == 0);
    REQUIRE(si.cmdline_paddr != 0);
    CHECK(f.hv.read_gpa(d->id, si.cmdline_paddr, 22) ==
          std::string("name=hello-pvh quiet\0", 21) + '\0');

    // The console backend is on the ring at console_gfn's frame; only it
    // stays mapped.
    CHECK(f.hv.mapping_count() == 1);
    CHECK(f.hv.violations.empty());
    f.hv.guest_writes(d->id, "hello from hello-pvh\n");
    f.term.on_wait = [&](int waits) {
        if (waits == 2) f.term.input.push_back(tools::k_console_detach_char);
    };
    REQUIRE(f.run("console hello-pvh"));
    CHECK(f.out().find("hello from hello-pvh\n") != std::string::npos);

    // Destroying it leaves nothing.
    REQUIRE(f.run("destroy hello-pvh"));
    CHECK(f.clean());
}

TEST_CASE("a PVH domain keeps its mode across an on_reboot restart", "[toolstack][pvh]") {
    ToolstackFixture f;
    f.hv.virt_caps = k_vmx;
    REQUIRE(f.run("create /guests/dual.cfg"));
    f.out();
    f.hv.clock_ns += 60'000'000'000;
    f.hv.guest_shuts_down(1, abi::ShutdownReason::reboot);
    f.ts->poll(f.term);
    CHECK(f.out().find("restarted as d2") != std::string::npos);
    FakeDomain* d = f.hv.find("dual");
    REQUIRE(d != nullptr);
    CHECK(d->id == 2);
    CHECK(d->pvh);
    CHECK(param(*d, abi::HvmParamIndex::console_pfn) == 8 * 256 - 2);
}

TEST_CASE("a failed PVH step destroys the half-built domain", "[toolstack][pvh][errors]") {
    ToolstackFixture f;
    f.hv.virt_caps = k_svm;
    SECTION("set_hvm_param") {
        f.hv.fail_set_hvm_param = Errno::einval;
        CHECK(undone(f).rfind("error: the hypervisor refused the console page of 'hello-pvh': ",
                              0) == 0);
    }
    SECTION("createdomain refuses PVH although physinfo offered it") {
        f.hv.fail_create = Errno::einval;
        CHECK(f.run("create /guests/hello-pvh.cfg") == false);
        CHECK(f.clean());
        CHECK(f.out().rfind("error: the hypervisor refused PVH domain 'hello-pvh' (1 vCPUs): ",
                            0) == 0);
    }
    SECTION("set_vcpu_context") {
        f.hv.fail_set_context = Errno::einval;
        CHECK(undone(f).rfind("error: the hypervisor refused the start state of 'hello-pvh': ",
                              0) == 0);
    }
    SECTION("a foreign mapping during the build") {
        f.hv.map_ok = 1;
        CHECK(undone(f).rfind("error: cannot map the memory of 'hello-pvh': ", 0) == 0);
    }
    SECTION("the console mapping after the build") {
        ToolstackFixture g;
        g.hv.virt_caps = k_svm;
        REQUIRE(g.run("create /guests/hello-pvh.cfg"));
        f.hv.map_ok = g.hv.maps_made - 1;
        CHECK(undone(f).rfind("error: cannot map the console of 'hello-pvh': ", 0) == 0);
    }
    SECTION("the builder refuses (the entry point is outside the kernel)") {
        Notes notes;
        notes.u32(static_cast<uint32_t>(abi::ElfNote::phys32_entry), 0x400000);
        f.files.files["/guests/stray"] = as_text(ElfBuilder()
                                                     .entry(0x100000)
                                                     .load(0x100000, 0x100000, 0x100, 0x1000)
                                                     .note_segment(notes)
                                                     .build());
        CHECK(undone(f, "create /guests/hello-pvh.cfg kernel=/guests/stray")
                  .rfind("error: kernel /guests/stray: ", 0) == 0);
    }
    SECTION("the builder refuses (the kernel does not fit)") {
        CHECK(undone(f, "create /guests/hello-pvh.cfg memory=1")
                  .rfind("error: kernel /guests/minios-dual: ", 0) == 0);
    }
    SECTION("the console channel") {
        f.hv.fail_alloc_unbound = Errno::enospc;
        CHECK(undone(f).rfind("error: console event channel: ", 0) == 0);
    }
    SECTION("unpause") {
        f.hv.fail_unpause = Errno::ebusy;
        CHECK(undone(f).rfind("error: cannot start 'hello-pvh': ", 0) == 0);
    }
    // After any of them, the same create works.
    f.hv.fail_set_hvm_param.reset(), f.hv.fail_create.reset(), f.hv.fail_set_context.reset();
    f.hv.map_ok.reset(), f.hv.fail_alloc_unbound.reset(), f.hv.fail_unpause.reset();
    CHECK(f.run("create /guests/hello-pvh.cfg"));
    CHECK(f.hv.find("hello-pvh")->pvh);
}

TEST_CASE("list -l shows each domain's mode", "[toolstack][pvh][verbs]") {
    ToolstackFixture f;
    f.hv.virt_caps = k_svm;
    REQUIRE(f.run("create /guests/hello.cfg"));     // auto, no PVH entry: pv
    REQUIRE(f.run("create /guests/hello-pvh.cfg")); // pvh
    f.out();
    REQUIRE(f.run("list -l"));
    const std::string out = f.out();
    CHECK(out.find("Mode") != std::string::npos);
    auto mode_of = [&](const std::string& name) {
        const size_t at = out.find("\n" + name + " ");
        REQUIRE(at != std::string::npos);
        const std::string line = out.substr(at + 1, out.find('\n', at + 1) - at - 1);
        std::istringstream in(line);
        std::vector<std::string> words;
        for (std::string w; in >> w;)
            words.push_back(w);
        REQUIRE(words.size() == 10);
        return words[6];
    };
    CHECK(mode_of("Domain-0") == "pv");
    CHECK(mode_of("hello") == "pv");
    CHECK(mode_of("hello-pvh") == "pvh");
}

TEST_CASE("mode helpers", "[toolstack][pvh]") {
    using tools::hardware_container_name;
    using tools::host_offers_pvh;
    CHECK_FALSE(host_offers_pvh(0));
    CHECK_FALSE(host_offers_pvh(abi::k_virt_cap_pv));
    CHECK(host_offers_pvh(k_svm));
    CHECK(host_offers_pvh(abi::k_virt_cap_vmx));
    CHECK(hardware_container_name(k_svm) == StringView("AMD SVM with NPT"));
    CHECK(hardware_container_name(k_vmx) == StringView("Intel VMX with EPT"));
    CHECK(hardware_container_name(abi::k_virt_cap_pv) == StringView("none"));

    tools::Failure why;
    const Bytes dual = dual_mode_kernel();
    auto yes = tools::kernel_has_pvh_entry(
        StringView(reinterpret_cast<const char*>(dual.data()), dual.size()), "/k", why);
    REQUIRE(yes.is_ok());
    CHECK(*yes);
    const Bytes pv_only = guest_kernel();
    auto no = tools::kernel_has_pvh_entry(
        StringView(reinterpret_cast<const char*>(pv_only.data()), pv_only.size()), "/k", why);
    REQUIRE(no.is_ok());
    CHECK_FALSE(*no);
    auto bad = tools::kernel_has_pvh_entry("garbage", "/k", why);
    CHECK(bad.error() == Errno::einval);
    CHECK(std::string(why.text).rfind("kernel /k: ", 0) == 0);
    auto empty = tools::kernel_has_pvh_entry(StringView(), "/k", why);
    CHECK(empty.error() == Errno::einval);
}

TEST_CASE("ForeignPhysicalMemory writes by guest-physical address", "[toolstack][pvh]") {
    FakeControlPlane hv;
    abi::DomctlCreateDomain create{};
    create.flags = 0;
    create.max_vcpus = 1;
    create.max_memkb = 4 * 4;
    std::strcpy(create.name, "m");
    auto id = hv.create_domain(create);
    REQUIRE(id.is_ok());
    uint64_t mfns[4];
    REQUIRE(hv.populate(*id, 0, 4, mfns));
    alignas(16) static uint8_t spare[4096];
    {
        tools::ForeignMemory frames(hv, *id, mfns, 4, spare);
        tools::ForeignPhysicalMemory memory(frames);
        // Across a page boundary, into the frames populate returned.
        const char text[] = "0123456789";
        REQUIRE(memory.write(0x1ffb, text, 10));
        CHECK(std::memcmp(hv.frame(mfns[1]) + 0xffb, "01234", 5) == 0);
        CHECK(std::memcmp(hv.frame(mfns[2]), "56789", 5) == 0);
        REQUIRE(memory.fill(0x3ff0, 0x5a, 0x10)); // the last bytes of RAM
        CHECK(hv.frame(mfns[3])[0xfff] == 0x5a);
        REQUIRE(memory.write(0x4000, text, 0)); // nothing, at the end: fine
        // Outside RAM, or wrapping: refused, nothing written.
        CHECK(memory.write(0x3fff, text, 2).error() == Errno::einval);
        CHECK(hv.frame(mfns[3])[0xfff] == 0x5a);
        CHECK(memory.fill(0x4000, 0, 1).error() == Errno::einval);
        CHECK(memory.fill(~uint64_t{0} - 1, 0, 4).error() == Errno::einval);
        CHECK(memory.write(0, text, ~size_t{0}).error() == Errno::einval);
        // A mapping that fails is the error returned.
        hv.map_ok = 0;
        CHECK(memory.fill(0x0, 1, 0x3000).error() == Errno::efault);
        hv.map_ok.reset();
    }
    CHECK(hv.mapping_count() == 0);
    CHECK(hv.violations.empty());
}
