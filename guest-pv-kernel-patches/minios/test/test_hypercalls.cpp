// Hypercalls minios relies on, with valid arguments and a few invalid ones
// whose result Xen's ABI fixes. (Hostile arguments against the hypervisor
// are the job of dedicated test guests.)
#include "arch/hypercall.hpp"
#include "include/public/errno.hpp"
#include "test/groups.hpp"

namespace minios::test {
namespace {

constexpr long err(abi::Errno e) {
    return -static_cast<long>(e);
}

bool contains(pv::StringView haystack, pv::StringView needle) {
    for (size_t i = 0; i + needle.size() <= haystack.size(); ++i)
        if (haystack.substr(i, needle.size()) == needle) return true;
    return false;
}

template <size_t N> pv::StringView bounded(const char (&text)[N]) {
    size_t n = 0;
    while (n < N && text[n] != '\0')
        ++n;
    return pv::StringView(text, n);
}

char capabilities[abi::k_capabilities_info_len];

void test_console_io(Checker& c) {
    c.expect(hv::console_io(abi::ConsoleIoOp::write, 0, "x"), 0, "console_io write of 0 bytes");
    char input[1];
    const long rc = hv::console_io(abi::ConsoleIoOp::read, 0, input);
    c.check(rc == 0, "console_io read of 0 bytes", "returned {}", rc);
    c.expect(hv::call(abi::Hypercall::console_io, 7, 0, 0), err(abi::Errno::enosys),
             "console_io unknown command");
}

void test_xen_version(Checker& c) {
    const long version = hv::xen_version(abi::VersionOp::version);
    c.check(version >= 0x30000, "xen_version version >= 3.0", "returned {:#x}", version);
    char extra[abi::k_extraversion_len];
    c.expect(hv::xen_version(abi::VersionOp::extraversion, extra), 0, "xen_version extraversion");
    c.expect(hv::xen_version(abi::VersionOp::capabilities, capabilities), 0,
             "xen_version capabilities");
    c.check(contains(bounded(capabilities), "xen-3.0-x86_64"),
            "capabilities include xen-3.0-x86_64", "'{}'", bounded(capabilities));
    abi::CompileInfo info;
    c.expect(hv::xen_version(abi::VersionOp::compile_info, &info), 0, "xen_version compile_info");
    char changeset[abi::k_changeset_info_len];
    c.expect(hv::xen_version(abi::VersionOp::changeset, changeset), 0, "xen_version changeset");
    abi::PlatformParameters params{};
    c.expect(hv::xen_version(abi::VersionOp::platform_parameters, &params), 0,
             "xen_version platform_parameters");
    c.check(params.virt_start == abi::k_hypervisor_virt_start,
            "hypervisor hole starts at 0xffff800000000000", "virt_start {:#x}", params.virt_start);
    abi::FeatureInfo features{0, 0};
    c.expect(hv::xen_version(abi::VersionOp::get_features, &features), 0,
             "xen_version get_features 0");
    println("minios-test: features submap 0 = {:#010x}", features.submap);
    abi::FeatureInfo beyond{abi::k_feature_submaps, 0};
    c.expect(hv::xen_version(abi::VersionOp::get_features, &beyond), err(abi::Errno::einval),
             "xen_version get_features beyond the submaps");
    c.expect(hv::xen_version(abi::VersionOp::pagesize), 4096, "xen_version pagesize");
    uint8_t handle[abi::k_domain_handle_len];
    c.expect(hv::xen_version(abi::VersionOp::guest_handle, handle), 0, "xen_version guest_handle");
    c.expect(hv::call(abi::Hypercall::xen_version, 0x7fff, 0), err(abi::Errno::enosys),
             "xen_version unknown sub-op");
}

void test_sched_op(Checker& c) {
    c.expect(hv::sched_op(abi::SchedOp::yield), 0, "sched_op yield");
    c.expect(hv::call(abi::Hypercall::sched_op, 99, 0), err(abi::Errno::enosys),
             "sched_op unknown command");
}

// The value %fs:0 reads after set_segment_base(fs).
uint64_t fs_target = 0x0123456789abcdef;

void test_cpu_state(Checker& c) {
    c.expect(hv::set_segment_base(abi::SegmentBase::fs, reinterpret_cast<uintptr_t>(&fs_target)), 0,
             "set_segment_base fs");
    uint64_t seen = 0;
    asm volatile("movq %%fs:0, %0" : "=r"(seen));
    c.check(seen == fs_target, "%fs:0 reads through the new fs base", "read {:#x}", seen);
    c.expect(hv::set_segment_base(abi::SegmentBase::fs, 0), 0, "set_segment_base fs back to 0");
    c.expect(hv::call(abi::Hypercall::set_segment_base, 99, 0), err(abi::Errno::einval),
             "set_segment_base unknown register");

    c.expect(hv::fpu_taskswitch(true), 0, "fpu_taskswitch set");
    c.expect(hv::fpu_taskswitch(false), 0, "fpu_taskswitch clear");

    const uint64_t watch = reinterpret_cast<uintptr_t>(&fs_target);
    c.expect(hv::set_debugreg(0, watch), 0, "set_debugreg dr0");
    c.check(static_cast<uint64_t>(hv::get_debugreg(0)) == watch, "get_debugreg dr0 reads it back");
    c.expect(hv::set_debugreg(0, 0), 0, "set_debugreg dr0 back to 0");
    c.check(hv::set_debugreg(0, abi::k_hypervisor_virt_start) < 0,
            "set_debugreg refuses a hypervisor address");
    c.expect(hv::get_debugreg(8), err(abi::Errno::enodev), "get_debugreg dr8 (no such register)");

    c.expect(
        hv::vm_assist(abi::VmAssistCmd::enable, abi::raw(abi::VmAssistType::runstate_update_flag)),
        0, "vm_assist enable runstate_update_flag");
    c.expect(
        hv::vm_assist(abi::VmAssistCmd::disable, abi::raw(abi::VmAssistType::runstate_update_flag)),
        0, "vm_assist disable runstate_update_flag");
    c.expect(hv::vm_assist(abi::VmAssistCmd::enable, 31), err(abi::Errno::einval),
             "vm_assist unknown type");

    abi::PhysdevSetIopl iopl{1};
    c.expect(hv::physdev_op(abi::PhysdevOp::set_iopl, &iopl), 0, "physdev_op set_iopl 1");
    iopl.iopl = 4;
    c.expect(hv::physdev_op(abi::PhysdevOp::set_iopl, &iopl), err(abi::Errno::einval),
             "physdev_op set_iopl 4");
    iopl.iopl = 0;
    c.expect(hv::physdev_op(abi::PhysdevOp::set_iopl, &iopl), 0, "physdev_op set_iopl 0");
}

void test_descriptors(Checker& c) {
    uint64_t frames[16] = {};
    c.expect(hv::set_gdt(frames, 0), 0, "set_gdt with no entries");
    c.expect(hv::set_gdt(frames, abi::k_first_reserved_gdt_entry + 1), err(abi::Errno::einval),
             "set_gdt into the reserved entries");
    c.expect(hv::update_descriptor(1, 0), err(abi::Errno::einval),
             "update_descriptor at a misaligned address");
}

void test_multicall(Checker& c) {
    abi::MulticallEntry calls[3] = {};
    calls[0].op = abi::raw(abi::Hypercall::xen_version);
    calls[0].args[0] = abi::raw(abi::VersionOp::version);
    calls[1].op = abi::raw(abi::Hypercall::sched_op);
    calls[1].args[0] = abi::raw(abi::SchedOp::yield);
    calls[2].op = 100; // beyond every table
    c.expect(hv::multicall(calls, 3), 0, "multicall of three");
    c.expect(static_cast<long>(calls[0].result), hv::xen_version(abi::VersionOp::version),
             "multicall entry 0 (xen_version)");
    c.expect(static_cast<long>(calls[1].result), 0, "multicall entry 1 (sched_op yield)");
    c.expect(static_cast<long>(calls[2].result), err(abi::Errno::enosys),
             "multicall entry 2 (unknown)");
    c.expect(hv::multicall(calls, 0), 0, "multicall of none");
}

void test_unknown_numbers(Checker& c) {
    c.expect(hv::call_slot(60), err(abi::Errno::enosys), "hypercall 60 (unassigned)");
    c.expect(hv::call_slot(127), err(abi::Errno::enosys), "hypercall 127 (last slot of the page)");
}

} // namespace

void test_hypercalls(Kernel&, Checker& c) {
    test_console_io(c);
    test_xen_version(c);
    test_sched_op(c);
    test_cpu_state(c);
    test_descriptors(c);
    test_multicall(c);
    test_unknown_numbers(c);
}

} // namespace minios::test
