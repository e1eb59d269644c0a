// The PVH start of day and the services minios uses there
// (kernel/platform_pvh.cpp): the hypercall page filled after the MSR write,
// shared_info through add_to_physmap, pvclock, an event delivered on the
// upcall vector, the singleshot timer waking hlt, and the PV-only features
// refusing cleanly.
#include "test/groups.hpp"
#include "test/pv_test.hpp"

namespace minios::test {
namespace {

void test_pvh_boot(Kernel& k, Checker& c) {
    const BootInfo& boot = k.boot;
    c.check(boot.hvm_start_info != nullptr && boot.hvm_start_info->magic == abi::k_hvm_start_magic,
            "hvm_start_info magic");
    c.check(hypercall_page[0] != static_cast<char>(0xcc),
            "hypercall page filled after the MSR write");
    c.check(boot.nr_pages() != 0, "memory map has RAM");
    c.check(boot.first_free <= boot.mapped_end && boot.first_free >= boot.image_end,
            "free pages after the image", "{:#x}..{:#x}, image ends {:#x}", boot.first_free,
            boot.mapped_end, boot.image_end);
    const long version = hv::xen_version(abi::VersionOp::version);
    c.check(version >= 0x30000, "xen_version through the hypercall page", "returned {:#x}",
            version);
}

void test_pvh_events(Kernel& k, Checker& c) {
    abi::EvtchnBindIpi ipi{0, 0};
    if (!c.expect(hv::event_channel_op(abi::EventChannelOp::bind_ipi, &ipi), 0,
                  "bind_ipi to vCPU 0"))
        return;
    k.events.forget_delivered();
    const uint64_t upcalls = k.events.upcalls();
    abi::EvtchnSend send{ipi.port};
    c.expect(hv::event_channel_op(abi::EventChannelOp::send, &send), 0, "send to the IPI port");
    k.events.deliver_pending();
    c.check(k.events.upcalls() > upcalls, "upcall vector taken after sti");
    c.check(k.events.take_delivered(ipi.port), "IPI port seen by the upcall handler");
    c.check(k.events.vcpu_info()->evtchn_upcall_pending == 0, "upcall_pending cleared");
    abi::EvtchnClose close{ipi.port};
    hv::event_channel_op(abi::EventChannelOp::close, &close);

    abi::EvtchnBindVirq virq{abi::raw(abi::Virq::timer), 0, 0};
    if (!c.expect(hv::event_channel_op(abi::EventChannelOp::bind_virq, &virq), 0,
                  "bind_virq VIRQ_TIMER"))
        return;
    hv::vcpu_op(abi::VcpuOp::stop_periodic_timer, 0);
    const uint64_t deadline = now_ns(k) + 20'000'000; // 20 ms
    bool fired = false;
    for (int i = 0; i < 100 && !fired; ++i) {
        const long rc = k.events.block(deadline);
        if (rc < 0) {
            c.expect(rc, 0, "singleshot timer and hlt");
            return;
        }
        fired = k.events.take_delivered(virq.port);
    }
    c.check(fired, "singleshot timer wakes hlt through VIRQ_TIMER");
    c.check(now_ns(k) >= deadline, "the timer did not fire early");
    abi::EvtchnClose close_virq{virq.port};
    hv::event_channel_op(abi::EventChannelOp::close, &close_virq);
}

} // namespace

void test_pvh(Kernel& k, Checker& c) {
    test_pvh_boot(k, c);
    if (k.events.shared_info() == nullptr) {
        c.check(false, "shared_info mapped (add_to_physmap)", "result {}", k.events.map_result());
        return;
    }
    c.check(true, "shared_info mapped (add_to_physmap)");
    c.check(k.events.vcpu_info()->time.tsc_to_system_mul != 0, "vcpu_time_info filled in");
    const uint64_t t0 = now_ns(k);
    for (int i = 0; i < 100'000; ++i)
        asm volatile("pause");
    c.check(now_ns(k) > t0, "pvclock advances");
    test_pvh_events(k, c);
    c.expect(k.user.prepare(k.boot, k.pages, k.pv_mmu), err(abi::Errno::enosys),
             "user mode refused (PV only)");
}

} // namespace minios::test
