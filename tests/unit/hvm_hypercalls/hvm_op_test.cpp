// hvm_op (core/hvm_hypercalls/hvm_op.cpp) through the PVH hypercall table:
// parameters set by the toolstack and read by the guest, the guest's own
// callback vector, per-vCPU upcall vectors, and every refusal.
#include "tests/unit/pv_hypercalls/pv_errors.hpp"

#include "core/hvm_hypercalls/hvm_domain_ops.hpp"
#include "include/public/hvm.hpp"
#include "include/public/memory.hpp"
#include "tests/unit/pv_hypercalls/pv_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;

namespace {

class FakeHvmDomain final : public HvmDomainOps {
public:
    uint64_t param(uint32_t index) const override { return params[index]; }
    void set_param(uint32_t index, uint64_t value) override { params[index] = value; }
    void set_upcall_vector(uint32_t vcpu, uint8_t vector) override { vectors[vcpu] = vector; }
    long add_to_physmap(uint32_t space, uint64_t idx, uint64_t gpfn) override {
        calls.push_back({space, idx, gpfn});
        return physmap_result;
    }
    long populated(uint64_t, uint64_t) override { return 0; }
    long machine_frame_of(uint64_t gfn, uint64_t& mfn) const override {
        mfn = gfn + 0x1000;
        return 0;
    }

    uint64_t params[abi::k_hvm_nr_params] = {};
    std::map<uint32_t, uint8_t> vectors;
    struct Call {
        uint32_t space;
        uint64_t idx, gpfn;
    };
    std::vector<Call> calls;
    long physmap_result = 0;
};

constexpr uint64_t k_hvm_op = abi::raw(abi::Hypercall::hvm_op);
constexpr uint64_t k_memory_op = abi::raw(abi::Hypercall::memory_op);
constexpr uint32_t k_console_pfn = abi::raw(abi::HvmParamIndex::console_pfn);
constexpr uint32_t k_callback_irq = abi::raw(abi::HvmParamIndex::callback_irq);

struct HvmFixture : PvFixture {
    explicit HvmFixture(bool privileged = false) : PvFixture(privileged) {
        ctx.~HypercallContext();
        new (&ctx) HypercallContext(pvh_hypercall_table(), mem);
        ctx.domain = &domain;
        ctx.vcpu = &vcpu;
        ctx.domain_id = domain.id();
        ctx.services = &services;
        services.hvm_domains[domain.id()] = &self;
    }
    long param(abi::HvmOp op, uint16_t domid, uint32_t index, uint64_t value = 0) {
        mem.put(at(0), abi::HvmParam{domid, 0, index, value});
        return call(k_hvm_op, abi::raw(op), at(0));
    }
    uint64_t read_back() { return mem.get<abi::HvmParam>(at(0)).value; }
    FakeHvmDomain self;
};

} // namespace

TEST_CASE("hvm_op: the toolstack sets a DomU's parameters and the DomU reads them", "[hvm][hvm_op]") {
    HvmFixture dom0(true);
    Domain domu(5, false);
    FakeHvmDomain domu_hvm;
    dom0.services.domains[5] = &domu;
    dom0.services.hvm_domains[5] = &domu_hvm;

    REQUIRE(dom0.param(abi::HvmOp::set_param, 5, k_console_pfn, 0x3fe) == 0);
    CHECK(domu_hvm.params[k_console_pfn] == 0x3fe);
    REQUIRE(dom0.param(abi::HvmOp::get_param, 5, k_console_pfn) == 0);
    CHECK(dom0.read_back() == 0x3fe);

    HvmFixture guest;
    guest.self.params[k_console_pfn] = 0x3fe;
    REQUIRE(guest.param(abi::HvmOp::get_param, abi::k_domid_self, k_console_pfn) == 0);
    CHECK(guest.read_back() == 0x3fe);
}

TEST_CASE("hvm_op: a guest sets its callback vector but not its rings", "[hvm][hvm_op]") {
    HvmFixture guest;
    const uint64_t via = abi::hvm_callback_via_vector(0xf3);
    REQUIRE(guest.param(abi::HvmOp::set_param, abi::k_domid_self, k_callback_irq, via) == 0);
    CHECK(guest.self.params[k_callback_irq] == via);
    CHECK(guest.param(abi::HvmOp::set_param, abi::k_domid_self, k_console_pfn, 7) == k_eperm);
    CHECK(guest.self.params[k_console_pfn] == 0);
    // GSI / PCI INTx delivery need interrupt controllers; vectors below 0x10 are exceptions.
    CHECK(guest.param(abi::HvmOp::set_param, abi::k_domid_self, k_callback_irq, 9) == k_einval);
    CHECK(guest.param(abi::HvmOp::set_param, abi::k_domid_self, k_callback_irq,
                      abi::hvm_callback_via_vector(0x0e)) == k_einval);
    CHECK(guest.self.params[k_callback_irq] == via);
    // 0 turns delivery off again.
    CHECK(guest.param(abi::HvmOp::set_param, abi::k_domid_self, k_callback_irq, 0) == 0);
}

TEST_CASE("hvm_op: bad parameter requests are refused", "[hvm][hvm_op]") {
    HvmFixture guest;
    CHECK(guest.param(abi::HvmOp::get_param, abi::k_domid_self, abi::k_hvm_nr_params) == k_einval);
    CHECK(guest.param(abi::HvmOp::get_param, abi::k_domid_self, 0xffffffffu) == k_einval);
    // Another domain's parameters: not for a DomU.
    Domain other(9, false);
    guest.services.domains[9] = &other;
    CHECK(guest.param(abi::HvmOp::get_param, 9, k_console_pfn) == k_eperm);
    // The hole after domid may hold anything (Linux leaves stack garbage).
    guest.self.params[k_console_pfn] = 0x77;
    guest.mem.put(guest.at(0), abi::HvmParam{abi::k_domid_self, 0xdead, k_console_pfn, 0});
    CHECK(guest.call(k_hvm_op, abi::raw(abi::HvmOp::get_param), guest.at(0)) == 0);
    CHECK(guest.read_back() == 0x77);
    // Pointers into nothing, or into the hypervisor.
    CHECK(guest.call(k_hvm_op, abi::raw(abi::HvmOp::get_param), k_hv_address) == k_efault);
    CHECK(guest.call(k_hvm_op, abi::raw(abi::HvmOp::get_param), k_noncanonical) == k_efault);
    CHECK(guest.call(k_hvm_op, abi::raw(abi::HvmOp::set_param), 0x10) == k_efault);
    // Unknown sub-ops.
    CHECK(guest.call(k_hvm_op, 9999, guest.at(0)) == k_enosys);
    CHECK(guest.call(k_hvm_op, abi::raw(abi::HvmOp::pagetable_dying), guest.at(0)) == k_enosys);

    HvmFixture dom0(true);
    CHECK(dom0.param(abi::HvmOp::get_param, 77, k_console_pfn) == k_esrch);
    CHECK(dom0.param(abi::HvmOp::get_param, 0x7ff1, k_console_pfn) == k_esrch);
    // A PV domain has no HVM parameters.
    Domain pv_domu(6, false);
    dom0.services.domains[6] = &pv_domu;
    CHECK(dom0.param(abi::HvmOp::set_param, 6, k_console_pfn, 1) == k_einval);
}

TEST_CASE("hvm_op: set_evtchn_upcall_vector per vCPU", "[hvm][hvm_op]") {
    HvmFixture guest;
    guest.mem.put(guest.at(0), abi::HvmEvtchnUpcallVector{0, 0xf3, {}});
    REQUIRE(guest.call(k_hvm_op, abi::raw(abi::HvmOp::set_evtchn_upcall_vector), guest.at(0)) == 0);
    CHECK(guest.self.vectors.at(0) == 0xf3);
    guest.mem.put(guest.at(0), abi::HvmEvtchnUpcallVector{1, 0xf3, {}});
    CHECK(guest.call(k_hvm_op, abi::raw(abi::HvmOp::set_evtchn_upcall_vector), guest.at(0)) == -static_cast<long>(abi::Errno::enoent));
    guest.mem.put(guest.at(0), abi::HvmEvtchnUpcallVector{0, 0x0f, {}});
    CHECK(guest.call(k_hvm_op, abi::raw(abi::HvmOp::set_evtchn_upcall_vector), guest.at(0)) == k_einval);
    CHECK(guest.self.vectors.at(0) == 0xf3);
    CHECK(guest.call(k_hvm_op, abi::raw(abi::HvmOp::set_evtchn_upcall_vector), k_hv_address) == k_efault);

    PvFixture pv_guest; // no PVH side
    pv_guest.mem.put(pv_guest.at(0), abi::HvmEvtchnUpcallVector{0, 0xf3, {}});
    CHECK(pv_guest.call(k_hvm_op, abi::raw(abi::HvmOp::set_evtchn_upcall_vector), pv_guest.at(0)) ==
          k_einval);
}

TEST_CASE("memory_op add_to_physmap: PVH guests place shared_info", "[hvm][memory_op]") {
    HvmFixture guest;
    guest.mem.put(guest.at(0), abi::AddToPhysmap{abi::k_domid_self, 0, abi::raw(abi::MapSpace::shared_info), 0, 0xfeff});
    REQUIRE(guest.call(k_memory_op, abi::raw(abi::MemoryOp::add_to_physmap), guest.at(0)) == 0);
    REQUIRE(guest.self.calls.size() == 1);
    CHECK(guest.self.calls[0].gpfn == 0xfeff);
    // The domain's own refusal comes back as is.
    guest.self.physmap_result = k_einval;
    CHECK(guest.call(k_memory_op, abi::raw(abi::MemoryOp::add_to_physmap), guest.at(0)) == k_einval);
    // Only for itself.
    guest.mem.put(guest.at(0), abi::AddToPhysmap{3, 0, 0, 0, 0xfeff});
    CHECK(guest.call(k_memory_op, abi::raw(abi::MemoryOp::add_to_physmap), guest.at(0)) == k_eperm);
    CHECK(guest.call(k_memory_op, abi::raw(abi::MemoryOp::add_to_physmap), k_hv_address) == k_efault);

    PvFixture pv_guest;
    pv_guest.mem.put(pv_guest.at(0), abi::AddToPhysmap{abi::k_domid_self, 0, 0, 0, 0x10});
    CHECK(pv_guest.call(k_memory_op, abi::raw(abi::MemoryOp::add_to_physmap), pv_guest.at(0)) == k_einval);
}

TEST_CASE("PVH hypercall table: ring-3 PV hypercalls are not offered", "[hvm][table]") {
    const HypercallTable& t = pvh_hypercall_table();
    CHECK(t.lookup(abi::raw(abi::Hypercall::set_trap_table)) == nullptr);
    CHECK(t.lookup(abi::raw(abi::Hypercall::mmu_update)) == nullptr);
    CHECK(t.lookup(abi::raw(abi::Hypercall::iret)) == nullptr);
    CHECK(t.lookup(abi::raw(abi::Hypercall::domctl)) == nullptr);
    CHECK(t.lookup(abi::raw(abi::Hypercall::hvm_op)) != nullptr);
    CHECK(t.lookup(abi::raw(abi::Hypercall::event_channel_op)) != nullptr);
    CHECK(t.lookup(abi::raw(abi::Hypercall::vcpu_op)) != nullptr);
    // The PV toolstack domain reaches hvm_op too, for its PVH DomUs.
    CHECK(pv_hypercall_table().lookup(abi::raw(abi::Hypercall::hvm_op)) != nullptr);
}
