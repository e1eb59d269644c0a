// Test double for HypervisorServices and a fixture holding one domain, its
// vCPU, fake guest memory and a context dispatching through the PV table.
// Include after the project headers and the errno constants of the test
// file (it pulls in standard headers that define errno macros).
#pragma once

#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "core/hypercall/continuation.hpp"
#include "core/hypercall/hypercall_table.hpp"
#include "core/pv_hypercalls/handlers.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "tests/unit/hypercall/fake_guest_memory.hpp"

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pv::test {

class FakeServices final : public HypervisorServices {
public:
    FakeServices() {
        version.major = 4;
        version.minor = 17;
        version.extraversion = ".0-paravane";
        version.compiler = "g++ (test)";
        version.compile_by = "tester";
        version.compile_domain = "example.org";
        version.compile_date = "Mon Jan  1 00:00:00 UTC 2024";
        version.changeset = "abcdef123456";
        version.capabilities = "xen-3.0-x86_64";
        version.commandline = "console=com1 dom0_mem=256M";
        for (uint8_t i = 0; i < 16; ++i)
            handle[i] = static_cast<uint8_t>(0xa0 + i);
    }

    void console_write(Domain&, StringView bytes) override {
        output.append(bytes.data(), bytes.size());
        chunks.push_back(bytes.size());
    }
    size_t console_input_peek(char* buf, size_t n) override {
        const size_t k = n < input.size() ? n : input.size();
        std::memcpy(buf, input.data(), k);
        return k;
    }
    void console_input_consume(size_t n) override { input.erase(0, n); }

    void yield(Vcpu&) override { ++yields; }
    void block(Vcpu& v) override {
        ++blocks;
        state_at_block = v.state;
    }

    void domain_shutdown(Domain& d, uint8_t reason) override { shutdowns.emplace_back(&d, reason); }
    void set_shutdown_code(Domain& d, uint8_t reason) override { codes.emplace_back(&d, reason); }
    void domain_crash(Domain& d, const char* why) override {
        crashes.emplace_back(std::to_string(d.id()) + ": " + why);
    }
    Domain* domain_by_id(DomainId id) override {
        auto it = domains.find(id);
        return it == domains.end() ? nullptr : it->second;
    }
    void domain_handle(const Domain&, uint8_t (&out)[16]) override { std::memcpy(out, handle, 16); }

    const HypervisorVersionInfo& version_info() override { return version; }
    abi::VcpuInfo* vcpu_info(Vcpu&) override { return has_vcpu_info ? &info : nullptr; }
    size_t read_console_log(uint64_t& cursor, char* buffer, size_t count) override {
        size_t n = 0;
        while (n < count && cursor < console_log.size()) buffer[n++] = console_log[cursor++];
        return n;
    }
    std::string console_log;

    void guest_mode_changed(Vcpu& v) override { mode_changes.push_back(v.pv.kernel_mode); }
    void segment_base_changed(Vcpu&, abi::SegmentBase which) override { segbases.push_back(which); }
    uint64_t load_user_gs_selector(Vcpu&, uint16_t sel) override {
        gs_selectors.push_back(sel);
        return gs_base_from_selector;
    }
    void fpu_ts_changed(Vcpu& v) override { fpu_changes.push_back(v.pv.fpu_ts); }
    void debugreg_changed(Vcpu&, unsigned reg) override { debugregs.push_back(reg); }

    long set_gdt(Vcpu& v, const uint64_t* frames, unsigned nr, unsigned entries) override {
        if (!mmu) return HypervisorServices::set_gdt(v, frames, nr, entries);
        gdt_frames.assign(frames, frames + nr);
        gdt_entries = entries;
        return 0;
    }
    long update_descriptor(Domain& d, uint64_t maddr, uint64_t desc) override {
        if (!mmu) return HypervisorServices::update_descriptor(d, maddr, desc);
        descriptor_updates.emplace_back(maddr, desc);
        return 0;
    }
    // domctl's lifecycle commands reach `control` (tests/unit/control/
    // fake_domain_control.hpp); null: they answer -ENOSYS.
    DomainControl* domain_control() override { return control; }
    // PVH domains: their HvmDomainOps by id (none: a PV domain).
    HvmDomainOps* hvm_ops(Domain& d) override {
        auto it = hvm_domains.find(d.id());
        return it == hvm_domains.end() ? nullptr : it->second;
    }
    std::map<DomainId, HvmDomainOps*> hvm_domains;

    HypervisorVersionInfo version;
    uint8_t handle[16];
    std::string output, input;
    std::vector<size_t> chunks;
    int yields = 0, blocks = 0;
    VcpuState state_at_block = VcpuState::offline;
    std::vector<std::pair<Domain*, uint8_t>> shutdowns, codes;
    std::vector<std::string> crashes;
    std::map<DomainId, Domain*> domains;
    abi::VcpuInfo info{};
    bool has_vcpu_info = true;
    std::vector<bool> mode_changes, fpu_changes;
    std::vector<abi::SegmentBase> segbases;
    std::vector<uint16_t> gs_selectors;
    uint64_t gs_base_from_selector = 0x7777'0000;
    std::vector<unsigned> debugregs;
    bool mmu = true;
    std::vector<uint64_t> gdt_frames;
    unsigned gdt_entries = 0;
    std::vector<std::pair<uint64_t, uint64_t>> descriptor_updates;
    DomainControl* control = nullptr;
};

inline constexpr uint64_t k_guest_base = 0x0000'0000'0040'0000;
inline constexpr uint64_t k_guest_pages = 16;
inline constexpr uint64_t k_hv_address = 0xffff'8000'0000'1000;   // hypervisor range
inline constexpr uint64_t k_noncanonical = 0x0000'8000'0000'0000; // first of the hole

struct PvFixture {
    explicit PvFixture(bool privileged = false)
        : mem(k_guest_base, k_guest_pages), domain(privileged ? 0 : 1, privileged), vcpu(domain, 0),
          ctx(pv_hypercall_table(), mem) {
        domain.state = DomainState::running;
        domain.vcpus[0] = &vcpu;
        domain.vcpu_count = 1;
        vcpu.state = VcpuState::running;
        ctx.domain = &domain;
        ctx.vcpu = &vcpu;
        ctx.domain_id = domain.id();
        ctx.services = &services;
        services.domains[domain.id()] = &domain;
    }

    // One hypercall entry, as the arch code makes it.
    long call(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
              uint64_t a4 = 0, uint64_t a5 = 0) {
        last = HypercallArgs(number, a0, a1, a2, a3, a4, a5);
        ctx.regs_replaced = false;
        return dispatch_hypercall(ctx, last);
    }
    // Re-enter with the arguments a continuation left in `last`.
    long resume() {
        ctx.regs_replaced = false;
        return dispatch_hypercall(ctx, last);
    }
    // Call, then keep re-entering while it asks to; counts the entries.
    long call_to_completion(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
        long rc = call(number, a0, a1, a2);
        entries = 1;
        while (rc == k_hypercall_restart && entries < 100000) {
            rc = resume();
            ++entries;
        }
        return rc;
    }

    // Preempt whenever asked (after the first unit of work).
    void always_preempt() {
        ctx.should_preempt = [](void*) { return true; };
        ctx.preempt_cookie = nullptr;
    }

    uint64_t at(uint64_t offset) const { return k_guest_base + offset; }

    FakeGuestMemory mem;
    Domain domain;
    Vcpu vcpu;
    FakeServices services;
    HypercallContext ctx;
    HypercallArgs last;
    int entries = 0;
};

inline uint64_t nr(abi::Hypercall h) {
    return abi::raw(h);
}

} // namespace pv::test
