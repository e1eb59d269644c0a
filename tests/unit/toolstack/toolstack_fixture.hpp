// A Toolstack over the simulated hypervisor with a guests archive holding
// a small Xen-notes kernel (mini-os-like: linked at 0), one that also has a
// PVH entry point (linked at 1 MiB, PHYS32_ENTRY beside its PV entry) and
// sample configs.
#pragma once

#include "../builder/test_elf.hpp"
#include "dom0-tools/lib/toolstack/domain_builder.hpp"
#include "dom0-tools/lib/toolstack/pvctl.hpp"
#include "fake_control_plane.hpp"
#include "include/public/elfnote.hpp"

#include <memory>
#include <string>

namespace pv::test {

inline Bytes guest_kernel(uint64_t entry = 0x10) {
    auto note = [](abi::ElfNote n) { return static_cast<uint32_t>(n); };
    Notes notes;
    notes.str(note(abi::ElfNote::guest_os), "Mini-OS")
        .str(note(abi::ElfNote::loader), "generic")
        .str(note(abi::ElfNote::xen_version), "xen-3.0");
    return ElfBuilder().entry(entry).load(0, 0, 0x100, 0x25000).note_segment(notes).build();
}

// Loads at physical (and virtual) 1 MiB; both entry points in the kernel.
inline constexpr uint64_t k_pvh_kernel_base = 0x100000;
inline constexpr uint32_t k_pvh_entry = 0x100040;

inline Bytes dual_mode_kernel() {
    auto note = [](abi::ElfNote n) { return static_cast<uint32_t>(n); };
    Notes notes;
    notes.str(note(abi::ElfNote::guest_os), "Mini-OS")
        .str(note(abi::ElfNote::loader), "generic")
        .str(note(abi::ElfNote::xen_version), "xen-3.0")
        .u32(note(abi::ElfNote::phys32_entry), k_pvh_entry);
    return ElfBuilder()
        .entry(k_pvh_kernel_base + 0x10)
        .load(k_pvh_kernel_base, k_pvh_kernel_base, 0x100, 0x25000)
        .note_segment(notes)
        .build();
}

inline std::string as_text(const Bytes& b) {
    return std::string(b.begin(), b.end());
}

struct ToolstackFixture {
    FakeControlPlane hv;
    FakeFiles files;
    FakeTerminal term;
    std::unique_ptr<tools::Toolstack> ts;

    ToolstackFixture() {
        files.files["/guests/minios-hello"] = as_text(guest_kernel());
        files.files["/guests/hello.cfg"] = "# the hello guest\n"
                                           "name = \"hello\"\n"
                                           "kernel = \"minios-hello\"\n" // beside the config
                                           "memory = 8\n"
                                           "cmdline = \"heartbeat=1\"\n";
        files.files["/guests/minios-dual"] = as_text(dual_mode_kernel());
        files.files["/guests/dual.cfg"] = "name = \"dual\"\n"
                                          "type = \"auto\"\n"
                                          "kernel = \"/guests/minios-dual\"\n"
                                          "memory = 8\n"
                                          "cmdline = \"quiet\"\n";
        files.files["/guests/hello-pvh.cfg"] = "name = \"hello-pvh\"\n"
                                               "type = \"pvh\"\n"
                                               "kernel = \"/guests/minios-dual\"\n"
                                               "memory = 8\n"
                                               "cmdline = \"quiet\"\n";
        files.files["/guests/spin.cfg"] = "name = \"spin\"\n"
                                          "kernel = \"/guests/minios-hello\"\n"
                                          "memory = 8\n"
                                          "vcpus = 2\n"
                                          "cpus = \"1\"\n"
                                          "weight = 512\n"
                                          "cap = 50\n";
        ts = std::make_unique<tools::Toolstack>(hv, files);
    }

    bool run(const std::string& line) {
        return ts->run(StringView(line.data(), line.size()), term);
    }
    std::string out() { return term.take(); }
    uint16_t id_of(const std::string& name) {
        FakeDomain* d = hv.find(name);
        return d ? d->id : 0xffff;
    }
    // Nothing of any DomU is left: only Dom0, no frames, mappings or ports.
    bool clean() const {
        return hv.domain_count() == 1 && hv.frame_count() == 0 && hv.mapping_count() == 0 &&
               hv.dom0_ports.empty() && hv.violations.empty();
    }
};

} // namespace pv::test
