// A small machine for the PV MMU tests: a frame table of k_frames frames
// whose contents are host arrays, recording hooks, a frame pool for
// memory_op, three domains (Dom0 privileged, DomU 1 and 2) and a hypercall
// context dispatching through the PV table. Include after the project
// headers and the errno constants of the test file.
#pragma once

#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "core/hypercall/continuation.hpp"
#include "core/pv_hypercalls/handlers.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "core/pv_mm/hypercalls.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "include/public/memory.hpp"
#include "include/public/mmu.hpp"

// Spelled before any standard header can define ENOMEM as a macro.
inline constexpr pv::Errno k_mm_enomem = pv::Errno::enomem;

#include "tests/unit/hypercall/fake_guest_memory.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace pv::test {

inline constexpr uint64_t k_frames = 96;
inline constexpr uint64_t k_table_flags = pte::present | pte::rw | pte::user | pte::accessed;

inline uint64_t entry(uint64_t mfn, uint64_t flags = pte::present | pte::user) {
    return (mfn << 12) | flags;
}

class HostFrames final : public FrameMemory {
public:
    HostFrames() : frames(k_frames) {}
    uint64_t read(uint64_t mfn, unsigned i) override { return frames.at(mfn)[i]; }
    void write(uint64_t mfn, unsigned i, uint64_t v) override { frames.at(mfn)[i] = v; }
    bool compare_exchange(uint64_t mfn, unsigned i, uint64_t& expected, uint64_t desired) override {
        uint64_t& e = frames.at(mfn)[i];
        if (e != expected) {
            expected = e;
            return false;
        }
        e = desired;
        return true;
    }
    void copy_frame(uint64_t dst, uint64_t src) override { frames.at(dst) = frames.at(src); }
    void clear_frame(uint64_t mfn) override { frames.at(mfn).fill(0); }

    std::vector<std::array<uint64_t, 512>> frames;
};

struct Flush {
    std::string what; // "local", "vcpus", "stale", "cr3", "ldt", "cache"
    uint64_t mask = 0;
    bool one = false;
    uint64_t va = 0;
    bool operator==(const Flush&) const = default;
};

class RecordingHooks final : public MmuHooks {
public:
    void flush_local(Vcpu&, bool one, uint64_t va) override { log.push_back({"local", 0, one, va}); }
    void flush_vcpus(Domain&, VcpuMask m, bool one, uint64_t va) override {
        log.push_back({"vcpus", m, one, va});
    }
    void flush_stale_mappings(uint64_t mfn) override { log.push_back({"stale", mfn, false, 0}); }
    void baseptr_changed(Vcpu& v) override { log.push_back({"cr3", v.pv.kernel_cr3, false, v.pv.user_cr3}); }
    void set_ldt(Vcpu&, uint64_t base, uint32_t n) override { log.push_back({"ldt", n, false, base}); }
    void flush_cache(bool global) override { log.push_back({"cache", 0, global, 0}); }
    std::vector<Flush> log;
};

class PoolFrames final : public DomainFrames {
public:
    PoolFrames(FrameTable& t, HostFrames& m) : table(t), memory(m) {}
    Result<uint64_t> alloc(Domain& d) override {
        if (d.tot_pages >= d.max_pages) return k_mm_enomem;
        for (uint64_t mfn = first; mfn < table.frame_count(); ++mfn) {
            FrameInfo& f = *table.lookup(mfn);
            if (f.owner != k_owner_free) continue;
            f = FrameInfo{d.id(), FrameType::none, k_frame_allocated, 0, 0};
            memory.clear_frame(mfn);
            ++d.tot_pages;
            return mfn;
        }
        return k_mm_enomem;
    }
    void free(uint64_t mfn) override {
        FrameInfo& f = *table.lookup(mfn);
        if (Domain* d = domains[f.owner]) --d->tot_pages;
        f = FrameInfo{k_owner_free, FrameType::none, 0, 0, 0};
        ++freed;
    }
    FrameTable& table;
    HostFrames& memory;
    std::map<uint16_t, Domain*> domains;
    uint64_t first = 64; // frames [64, k_frames) start free
    int freed = 0;
};

// The services the PV MMU and grant-table tests need; grant_tables() is
// null unless a grant test sets `grants`.
class MmuServices final : public HypervisorServices {
public:
    void console_write(Domain&, StringView) override {}
    size_t console_input_peek(char*, size_t) override { return 0; }
    void console_input_consume(size_t) override {}
    void yield(Vcpu&) override {}
    void block(Vcpu&) override {}
    void domain_shutdown(Domain&, uint8_t) override {}
    void set_shutdown_code(Domain&, uint8_t) override {}
    void domain_crash(Domain&, const char*) override {}
    Domain* domain_by_id(DomainId id) override {
        auto it = domains.find(id);
        return it == domains.end() ? nullptr : it->second;
    }
    void domain_handle(const Domain&, uint8_t (&h)[16]) override {
        for (auto& b : h) b = 0;
    }
    const HypervisorVersionInfo& version_info() override { return version; }
    abi::VcpuInfo* vcpu_info(Vcpu&) override { return nullptr; }
    void guest_mode_changed(Vcpu&) override {}
    void segment_base_changed(Vcpu&, abi::SegmentBase) override {}
    uint64_t load_user_gs_selector(Vcpu&, uint16_t) override { return 0; }
    void fpu_ts_changed(Vcpu&) override {}
    void debugreg_changed(Vcpu&, unsigned) override {}
    PvMmu* pv_mmu() override { return mmu; }
    GrantTables* grant_tables() override { return grants; }
    bool machine_memory_range(size_t index, abi::E820Entry& out) override {
        if (index >= machine_memory.size()) return false;
        out = machine_memory[index];
        return true;
    }

    HypervisorVersionInfo version;
    std::vector<abi::E820Entry> machine_memory;
    std::map<DomainId, Domain*> domains;
    PvMmu* mmu = nullptr;
    GrantTables* grants = nullptr;
};

inline constexpr uint64_t k_guest_base = 0x0000'0000'0040'0000;

struct MmuFixture {
    MmuFixture()
        : infos(k_frames, FrameInfo{k_owner_free, FrameType::none, 0, 0, 0}), table(infos.data(), k_frames),
          pool(table, memory), mmu(config()), dom0(0, true), dom1(1, false), dom2(2, false),
          vcpu0(dom0, 0), vcpu1(dom1, 0), vcpu1b(dom1, 1), guest(k_guest_base, 8),
          ctx(pv_hypercall_table(), guest) {
        for (unsigned s = 0; s < 512; ++s) hv_l4[s] = 0;
        for (unsigned s = k_hypervisor_l4_first; s <= k_hypervisor_l4_last; ++s)
            hv_l4[s] = 0x7770'0000'0000ull | (uint64_t{s} << 12) | pte::present | pte::rw;
        // Frames 0-3: hypervisor; 4-7: firmware (not RAM); 8-31: DomU 1;
        // 32-47: DomU 2; 48-63: Dom0; 64+: free.
        for (uint64_t m = 0; m < 4; ++m) infos[m] = {k_owner_hypervisor, FrameType::none, k_frame_allocated, 0, 0};
        for (uint64_t m = 4; m < 8; ++m) infos[m] = {k_owner_reserved, FrameType::none, 0, 0, 0};
        for (uint64_t m = 8; m < 32; ++m) give(m, dom1);
        for (uint64_t m = 32; m < 48; ++m) give(m, dom2);
        for (uint64_t m = 48; m < 64; ++m) give(m, dom0);
        for (Domain* d : {&dom0, &dom1, &dom2}) {
            d->state = DomainState::running;
            d->max_pages = d->tot_pages + 4;
            services.domains[d->id()] = d;
            pool.domains[d->id()] = d;
        }
        dom0.vcpus[0] = &vcpu0;
        dom0.vcpu_count = 1;
        dom1.vcpus[0] = &vcpu1;
        dom1.vcpus[1] = &vcpu1b;
        dom1.vcpu_count = 2;
        services.mmu = &mmu;
        use(dom1, vcpu1);
    }

    PvMmuConfig config() {
        PvMmuConfig c;
        c.table = &table;
        c.memory = &memory;
        c.hooks = &hooks;
        c.frames = &pool;
        c.hypervisor_l4 = hv_l4;
        c.m2p = m2p;
        c.m2p_entries = k_frames;
        for (auto& e : m2p) e = k_invalid_m2p_entry;
        return c;
    }

    void give(uint64_t mfn, Domain& d) {
        infos[mfn] = {d.id(), FrameType::none, k_frame_allocated, 0, 0};
        ++d.tot_pages;
    }

    void use(Domain& d, Vcpu& v) {
        ctx.domain = &d;
        ctx.vcpu = &v;
        ctx.domain_id = d.id();
        ctx.services = &services;
    }

    uint64_t& at(uint64_t mfn, unsigned i) { return memory.frames.at(mfn)[i]; }
    const FrameInfo& info(uint64_t mfn) const { return infos.at(mfn); }

    // A four-level tree for va 0 (and whatever else the caller adds):
    // L4 l4 -> L3 l3 -> L2 l2 -> L1 l1 -> data (read-only unless rw).
    void tree(uint64_t l4, uint64_t l3, uint64_t l2, uint64_t l1, uint64_t data, bool rw = true) {
        at(l4, 0) = entry(l3, k_table_flags);
        at(l3, 0) = entry(l2, k_table_flags);
        at(l2, 0) = entry(l1, k_table_flags);
        at(l1, 0) = entry(data, pte::present | pte::user | (rw ? pte::rw : 0));
    }

    // Every frame's counts and MMU flags, to compare before and after.
    using Snapshot = std::vector<std::tuple<uint32_t, uint32_t, uint8_t, FrameType>>;
    Snapshot snapshot() const {
        Snapshot s;
        for (uint64_t m = 0; m < k_frames; ++m) {
            const FrameInfo& f = infos[m];
            s.emplace_back(f.type_count, f.ref_count,
                           static_cast<uint8_t>(f.flags & (k_frame_pinned | k_frame_validated | k_frame_released)),
                           f.type_count ? f.type : FrameType::none);
        }
        return s;
    }

    long call(abi::Hypercall h, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0) {
        last = HypercallArgs(abi::raw(h), a0, a1, a2, a3);
        return dispatch_hypercall(ctx, last);
    }
    long resume() { return dispatch_hypercall(ctx, last); }

    // One mmuext_op from guest memory at k_guest_base + 0x1000.
    long mmuext(abi::MmuextCmd cmd, uint64_t arg1 = 0, uint64_t arg2 = 0) {
        abi::MmuextOp op{};
        op.cmd = abi::raw(cmd);
        op.arg1.mfn = arg1;
        op.arg2.src_mfn = arg2;
        guest.put(k_guest_base + 0x1000, op);
        return call(abi::Hypercall::mmuext_op, k_guest_base + 0x1000, 1, 0, abi::k_domid_self);
    }
    // One mmu_update request.
    long update(uint64_t ptr, uint64_t val, uint32_t foreigndom = abi::k_domid_self) {
        guest.put(k_guest_base + 0x2000, abi::MmuUpdate{ptr, val});
        return call(abi::Hypercall::mmu_update, k_guest_base + 0x2000, 1, 0, foreigndom);
    }
    static uint64_t ptr(uint64_t mfn, unsigned index, uint64_t cmd = 0) {
        return (mfn << 12) + index * 8 + cmd;
    }

    std::vector<FrameInfo> infos;
    FrameTable table;
    HostFrames memory;
    RecordingHooks hooks;
    PoolFrames pool;
    uint64_t hv_l4[512];
    uint64_t m2p[k_frames];
    PvMmu mmu;
    Domain dom0, dom1, dom2;
    Vcpu vcpu0, vcpu1, vcpu1b;
    MmuServices services;
    FakeGuestMemory guest;
    HypercallContext ctx;
    HypercallArgs last;
};

} // namespace pv::test
