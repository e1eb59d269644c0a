// Two fake domains sharing grants over the PV MMU test machine
// (tests/unit/pv_mm/mmu_fixture.hpp): DomU 2 grants (frames 32-47), DomU 1
// maps (frames 8-31; it runs on L4 8 -> L3 9 -> L2 10 -> L1 11, va 0 maps
// frame 12, va 0x1000.. are free slots of L1 11). Tiny grant tables: two
// frames, four maptrack handles each. Include after the project headers and
// the test file's errno constants.
#pragma once

#include "core/grant/grant_table.hpp"
#include "core/grant/grant_table_op.hpp"
#include "core/grant/pv_host_mapping.hpp"

#include "tests/unit/pv_mm/mmu_fixture.hpp"

#include <map>
#include <stdexcept>

namespace pv::test {

class GrantTestHooks final : public GrantHooks {
public:
    explicit GrantTestHooks(HostFrames& m) : memory(m) {}
    uint8_t* frame_bytes(uint64_t mfn) override { return reinterpret_cast<uint8_t*>(memory.frames.at(mfn).data()); }
    GrantTable* table_of(DomainId id) override {
        auto it = tables.find(id);
        return it == tables.end() ? nullptr : it->second;
    }
    HostFrames& memory;
    std::map<DomainId, GrantTable*> tables;
};

inline constexpr uint64_t k_granted = 40;    // DomU 2's frame it grants
inline constexpr uint64_t k_map_va = 0x1000; // DomU 1's free slot (L1 11 entry 1)

struct GrantFixture : MmuFixture {
    GrantFixture() : ghooks(memory), grants(mmu, ghooks), t0(dom0, a0.storage()), t1(dom1, a1.storage()),
                     t2(dom2, a2.storage()) {
        ghooks.tables = {{0, &t0}, {1, &t1}, {2, &t2}};
        gservices.domains = services.domains;
        gservices.mmu = &mmu;
        gservices.grants = &grants;
        ctx.services = &gservices;
        tree(8, 9, 10, 11, 12);
        if (!mmu.adopt_boot_page_tables(vcpu1, 8)) throw std::runtime_error("boot tables");
        if (grants.grow(t2, 1) != abi::GrantStatus::okay) throw std::runtime_error("grant table");
        hooks.log.clear();
    }

    abi::GrantEntryV1& entry_of(GrantTable& t, abi::GrantRef ref) {
        auto* page = reinterpret_cast<abi::GrantEntryV1*>(ghooks.frame_bytes(t.frame(ref / 512)));
        return page[ref % 512];
    }
    // The granter's side: write domid and frame, then the flags.
    void grant(abi::GrantRef ref, uint64_t frame = k_granted, DomainId to = 1, bool readonly = false) {
        abi::GrantEntryV1& e = entry_of(t2, ref);
        e.domid = to;
        e.frame = static_cast<uint32_t>(frame);
        e.flags = static_cast<uint16_t>(abi::k_gtf_permit_access | (readonly ? abi::k_gtf_readonly : 0));
    }
    uint16_t flags(abi::GrantRef ref) { return entry_of(t2, ref).flags; }

    abi::GnttabMapGrantRef map(abi::GrantRef ref, uint32_t flags, uint64_t addr = k_map_va, DomainId dom = 2) {
        abi::GnttabMapGrantRef op{};
        op.host_addr = addr;
        op.flags = flags;
        op.ref = ref;
        op.dom = dom;
        grants.map(vcpu1, op);
        return op;
    }
    int16_t unmap(abi::GrantHandle handle, uint64_t addr = k_map_va, uint64_t dev = 0) {
        abi::GnttabUnmapGrantRef op{};
        op.host_addr = addr;
        op.dev_bus_addr = dev;
        op.handle = handle;
        grants.unmap(vcpu1, op);
        return op.status;
    }
    uint64_t l1(unsigned index) { return at(11, index); }

    GrantTestHooks ghooks;
    MmuServices gservices;
    GrantTables grants;
    GrantTableArrays<2, 4> a0, a1, a2;
    GrantTable t0, t1, t2;
};

constexpr int16_t st(abi::GrantStatus s) {
    return static_cast<int16_t>(s);
}

} // namespace pv::test
