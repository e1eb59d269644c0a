// The guest-ABI headers: every one must compile on the host, and the values
// guests depend on most must not drift. The headers' own static_asserts pin
// every layout; these checks restate the numbers a broken edit would most
// likely disturb, independently of the headers' arithmetic.
#include "include/public/callback.hpp"
#include "include/public/console_io.hpp"
#include "include/public/console_ring.hpp"
#include "include/public/elfnote.hpp"
#include "include/public/errno.hpp"
#include "include/public/event_channel.hpp"
#include "include/public/grant_table.hpp"
#include "include/public/hvm_start_info.hpp"
#include "include/public/hypercall.hpp"
#include "include/public/memory.hpp"
#include "include/public/mmu.hpp"
#include "include/public/multicall.hpp"
#include "include/public/physdev.hpp"
#include "include/public/sched.hpp"
#include "include/public/shared_info.hpp"
#include "include/public/start_info.hpp"
#include "include/public/types.hpp"
#include "include/public/vcpu.hpp"
#include "include/public/vcpu_context.hpp"
#include "include/public/version.hpp"
#include "include/public/xen_cpuid.hpp"

// Read before any standard header is included: on the host, <cerrno> defines
// EPERM, EINVAL, ... as macros, which would replace the enumerator names.
namespace errno_values {
constexpr int eperm = static_cast<int>(pv::abi::Errno::eperm);
constexpr int efault = static_cast<int>(pv::abi::Errno::efault);
constexpr int einval = static_cast<int>(pv::abi::Errno::einval);
constexpr int enosys = static_cast<int>(pv::abi::Errno::enosys);
} // namespace errno_values

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

using namespace pv::abi;

TEST_CASE("hypercall numbers used by the PV core", "[abi]") {
    CHECK(raw(Hypercall::set_trap_table) == 0);
    CHECK(raw(Hypercall::mmu_update) == 1);
    CHECK(raw(Hypercall::set_gdt) == 2);
    CHECK(raw(Hypercall::stack_switch) == 3);
    CHECK(raw(Hypercall::set_callbacks) == 4);
    CHECK(raw(Hypercall::fpu_taskswitch) == 5);
    CHECK(raw(Hypercall::sched_op_compat) == 6);
    CHECK(raw(Hypercall::set_debugreg) == 8);
    CHECK(raw(Hypercall::get_debugreg) == 9);
    CHECK(raw(Hypercall::update_descriptor) == 10);
    CHECK(raw(Hypercall::memory_op) == 12);
    CHECK(raw(Hypercall::multicall) == 13);
    CHECK(raw(Hypercall::update_va_mapping) == 14);
    CHECK(raw(Hypercall::event_channel_op_compat) == 16);
    CHECK(raw(Hypercall::xen_version) == 17);
    CHECK(raw(Hypercall::console_io) == 18);
    CHECK(raw(Hypercall::physdev_op_compat) == 19);
    CHECK(raw(Hypercall::grant_table_op) == 20);
    CHECK(raw(Hypercall::vm_assist) == 21);
    CHECK(raw(Hypercall::iret) == 23);
    CHECK(raw(Hypercall::vcpu_op) == 24);
    CHECK(raw(Hypercall::set_segment_base) == 25);
    CHECK(raw(Hypercall::mmuext_op) == 26);
    CHECK(raw(Hypercall::sched_op) == 29);
    CHECK(raw(Hypercall::callback_op) == 30);
    CHECK(raw(Hypercall::event_channel_op) == 32);
    CHECK(raw(Hypercall::physdev_op) == 33);
    CHECK(raw(Hypercall::sysctl) == 35);
    CHECK(raw(Hypercall::domctl) == 36);
    CHECK(raw(Hypercall::xenpmu_op) == 40);
    CHECK(raw(Hypercall::arch_0) == 48);
    CHECK(raw(Hypercall::arch_7) == 55);
}

TEST_CASE("hypercall page stubs", "[abi]") {
    CHECK(k_hypercall_page_stub_size * k_hypercall_page_stubs == 4096);
    CHECK(sizeof(k_pv_hypercall_stub) <= k_hypercall_page_stub_size);
    CHECK(sizeof(k_pv_hypercall_iret_stub) <= k_hypercall_page_stub_size);

    // The number sits right after the "mov imm32, %eax" opcode.
    CHECK(k_pv_hypercall_stub[k_pv_hypercall_stub_number_offset - 1] == 0xb8);
    // Both stubs contain a syscall; the ordinary one ends with ret.
    CHECK(k_pv_hypercall_stub[8] == 0x0f);
    CHECK(k_pv_hypercall_stub[9] == 0x05);
    CHECK(k_pv_hypercall_stub[sizeof(k_pv_hypercall_stub) - 1] == 0xc3);
    CHECK(k_pv_hypercall_iret_stub[4] == 0xb8);
    CHECK(k_pv_hypercall_iret_stub[5] == raw(Hypercall::iret));
    CHECK(k_pv_hypercall_iret_stub[9] == 0x0f);
    CHECK(k_pv_hypercall_iret_stub[10] == 0x05);

    // The iret stub pushes rcx, r11, rax: rax ends up lowest, as in IretContext.
    CHECK(offsetof(IretContext, rax) == 0);
    CHECK(offsetof(IretContext, r11) == 8);
    CHECK(offsetof(IretContext, rcx) == 16);
    CHECK(offsetof(IretContext, ss) == 64);
    CHECK(k_vgcf_in_syscall == 0x100);
}

TEST_CASE("flat selectors, reserved GDT and address-space layout", "[abi]") {
    CHECK(k_flat_ring3_cs64 == 0xe033);
    CHECK(k_flat_ring3_cs32 == 0xe023);
    CHECK(k_flat_ring3_ss64 == 0xe02b);
    CHECK(k_flat_ring3_ds32 == 0xe02b);
    CHECK(k_flat_ring3_ds64 == 0);
    CHECK((k_flat_kernel_cs & 3) == 3);
    CHECK((k_flat_kernel_ss & 3) == 3);
    CHECK(k_first_reserved_gdt_page == 14);
    CHECK(k_first_reserved_gdt_entry == 7168);
    CHECK(k_hypervisor_virt_start == 0xffff800000000000ull);
    CHECK(k_hypervisor_virt_end == 0xffff880000000000ull);
    CHECK(k_mach2phys_virt_start == 0xffff800000000000ull);
    CHECK(k_mach2phys_virt_end == 0xffff804000000000ull);
    CHECK(k_legacy_max_vcpus == 32);
    CHECK(k_domid_self == 0x7ff0);
    CHECK(k_domid_io == 0x7ff1);
    CHECK(k_domid_xen == 0x7ff2);
    CHECK(k_domid_invalid == 0x7ff4);
    CHECK(k_domid_idle == 0x7fff);
    CHECK(raw(VmAssistType::writable_pagetables) == 2);
    CHECK(raw(VmAssistType::m2p_strict) == 32);
}

TEST_CASE("trap_info layout and flags", "[abi]") {
    CHECK(sizeof(TrapInfo) == 16);
    CHECK(offsetof(TrapInfo, cs) == 2);
    CHECK(offsetof(TrapInfo, address) == 8);
    CHECK(k_trap_info_dpl_mask == 3);
    CHECK(k_trap_info_mask_events == 4);
}

TEST_CASE("start_info layout and magic", "[abi]") {
    CHECK(sizeof(StartInfo) == 1168);
    CHECK(sizeof(StartInfo::magic) == 32);
    CHECK(std::string(k_start_info_magic) == "xen-3.0-x86_64");
    CHECK(offsetof(StartInfo, nr_pages) == 32);
    CHECK(offsetof(StartInfo, shared_info) == 40);
    CHECK(offsetof(StartInfo, flags) == 48);
    CHECK(offsetof(StartInfo, console) == 72);
    CHECK(offsetof(StartInfo, pt_base) == 88);
    CHECK(offsetof(StartInfo, mfn_list) == 104);
    CHECK(offsetof(StartInfo, mod_start) == 112);
    CHECK(offsetof(StartInfo, cmd_line) == 128);
    CHECK(sizeof(StartInfo::cmd_line) == 1024);
    CHECK(offsetof(StartInfo, first_p2m_pfn) == 1152);
    CHECK(k_sif_privileged == 1);
    CHECK(k_sif_initdomain == 2);
    CHECK(k_sif_mod_start_pfn == 8);

    // The magic, copied the way a builder does, is NUL-terminated in the field.
    StartInfo si{};
    std::memcpy(si.magic, k_start_info_magic, sizeof(k_start_info_magic));
    CHECK(std::strncmp(si.magic, "xen-3", 5) == 0);
    CHECK(si.magic[sizeof(si.magic) - 1] == '\0');
}

TEST_CASE("shared_info and vcpu_info layout", "[abi]") {
    CHECK(sizeof(VcpuTimeInfo) == 32);
    CHECK(sizeof(VcpuInfo) == 64);
    CHECK(offsetof(VcpuInfo, evtchn_upcall_mask) == 1);
    CHECK(offsetof(VcpuInfo, evtchn_pending_sel) == 8);
    CHECK(offsetof(VcpuInfo, arch) == 16);
    CHECK(offsetof(VcpuInfo, time) == 32);
    CHECK(offsetof(SharedInfo, evtchn_pending) == 2048);
    CHECK(offsetof(SharedInfo, evtchn_mask) == 2560);
    CHECK(offsetof(SharedInfo, wc_version) == 3072);
    CHECK(offsetof(SharedInfo, wc_sec) == 3076);
    CHECK(offsetof(SharedInfo, wc_nsec) == 3080);
    CHECK(offsetof(SharedInfo, wc_sec_hi) == 3084);
    CHECK(offsetof(SharedInfo, arch) == 3088);
    CHECK(offsetof(SharedInfo, arch) + offsetof(ArchSharedInfo, p2m_generation) == 3128);
    CHECK(sizeof(SharedInfo) <= 4096);
    CHECK(k_evtchn_2l_nr_channels == 4096);

    // The vcpu_info for vCPU n sits at n * 64.
    SharedInfo shared{};
    const auto base = reinterpret_cast<uintptr_t>(&shared);
    CHECK(reinterpret_cast<uintptr_t>(&shared.vcpu_info[31]) - base == 31 * 64);
    CHECK(reinterpret_cast<uintptr_t>(&shared.vcpu_info[1].arch.cr2) - base == 64 + 16);
}

TEST_CASE("sub-op numbers of the PV core's hypercalls", "[abi]") {
    CHECK(raw(SchedOp::yield) == 0);
    CHECK(raw(SchedOp::block) == 1);
    CHECK(raw(SchedOp::shutdown) == 2);
    CHECK(raw(SchedOp::poll) == 3);
    CHECK(raw(SchedOp::pin_override) == 7);
    CHECK(raw(ShutdownReason::poweroff) == 0);
    CHECK(raw(ShutdownReason::reboot) == 1);
    CHECK(raw(ShutdownReason::crash) == 3);
    CHECK(raw(ShutdownReason::soft_reset) == 5);

    CHECK(raw(ConsoleIoOp::write) == 0);
    CHECK(raw(ConsoleIoOp::read) == 1);

    CHECK(raw(CallbackOp::register_callback) == 0);
    CHECK(raw(CallbackOp::unregister_callback) == 1);
    CHECK(raw(CallbackType::event) == 0);
    CHECK(raw(CallbackType::failsafe) == 1);
    CHECK(raw(CallbackType::syscall) == 2);
    CHECK(raw(CallbackType::nmi) == 4);
    CHECK(raw(CallbackType::syscall32) == 7);
    CHECK(sizeof(CallbackRegister) == 16);
    CHECK(offsetof(CallbackRegister, address) == 8);

    CHECK(raw(VersionOp::version) == 0);
    CHECK(raw(VersionOp::capabilities) == 3);
    CHECK(raw(VersionOp::platform_parameters) == 5);
    CHECK(raw(VersionOp::get_features) == 6);
    CHECK(raw(VersionOp::guest_handle) == 8);
    CHECK(raw(VersionOp::build_id) == 10);
    CHECK(make_version(4, 19) == 0x00040013);
    CHECK(sizeof(CompileInfo) == 144);
    CHECK(feature_bit(Feature::writable_page_tables) == 1u << 0);
    CHECK(feature_bit(Feature::dom0) == 1u << 11);

    CHECK(raw(PhysdevOp::set_iopl) == 6);
    CHECK(raw(SegmentBase::gs_user_sel) == 3);
}

TEST_CASE("feature names match their bit numbers", "[abi]") {
    for (const FeatureName& f : k_feature_names) {
        INFO(f.name);
        CHECK(raw(f.feature) < k_feature_count);
    }
    CHECK(std::string(k_feature_names[0].name) == "writable_page_tables");
    bool found_pae = false;
    for (const FeatureName& f : k_feature_names) {
        if (std::string(f.name) == "pae_pgdir_above_4gb") {
            found_pae = true;
            CHECK(raw(f.feature) == 4);
        }
    }
    CHECK(found_pae);
}

TEST_CASE("ELF note types", "[abi]") {
    CHECK(std::string(k_elfnote_name) == "Xen");
    CHECK(k_elfnote_namesz == 4);
    CHECK(raw(ElfNote::entry) == 1);
    CHECK(raw(ElfNote::hypercall_page) == 2);
    CHECK(raw(ElfNote::virt_base) == 3);
    CHECK(raw(ElfNote::paddr_offset) == 4);
    CHECK(raw(ElfNote::xen_version) == 5);
    CHECK(raw(ElfNote::guest_os) == 6);
    CHECK(raw(ElfNote::loader) == 8);
    CHECK(raw(ElfNote::features) == 10);
    CHECK(raw(ElfNote::init_p2m) == 15);
    CHECK(raw(ElfNote::mod_start_pfn) == 16);
    CHECK(raw(ElfNote::supported_features) == 17);
    CHECK(raw(ElfNote::phys32_entry) == 18);
}

TEST_CASE("event channels, grant tables, memory and MMU", "[abi]") {
    CHECK(raw(EventChannelOp::send) == 4);
    CHECK(raw(EventChannelOp::alloc_unbound) == 6);
    CHECK(raw(EventChannelOp::unmask) == 9);
    CHECK(raw(Virq::timer) == 0);
    CHECK(raw(Virq::console) == 2);
    CHECK(sizeof(EvtchnStatus) == 24);
    CHECK(sizeof(EvtchnOp) == 28);

    CHECK(sizeof(GrantEntryV1) == 8);
    CHECK(k_grant_entries_v1_per_page == 512);
    CHECK(sizeof(GnttabMapGrantRef) == 32);
    CHECK(sizeof(GnttabCopy) == 40);
    CHECK(raw(GrantStatus::no_space) == -13);

    CHECK(raw(MemoryOp::populate_physmap) == 6);
    CHECK(raw(MemoryOp::memory_map) == 9);
    CHECK(sizeof(MemoryReservation) == 32);
    CHECK(sizeof(E820Entry) == 20);

    CHECK(raw(MmuextCmd::new_user_baseptr) == 15);
    CHECK(sizeof(MmuextOp) == 24);
    CHECK(sizeof(MulticallEntry) == 64);
    CHECK(sizeof(VcpuGuestContext) == 5168);
    CHECK(sizeof(VcpuRunstateInfo) == 48);
}

TEST_CASE("console ring, PVH start info and CPUID leaves", "[abi]") {
    CHECK(offsetof(ConsoleRing, out) == 1024);
    CHECK(offsetof(ConsoleRing, in_cons) == 3072);
    CHECK(offsetof(ConsoleRing, out_prod) == 3084);
    CHECK(console_ring_slot(2048 + 5, k_console_out_size) == 5);

    CHECK(k_hvm_start_magic == 0x336ec578);
    CHECK(sizeof(HvmStartInfo) == 56);
    CHECK(sizeof(HvmModlistEntry) == 32);
    CHECK(sizeof(HvmMemmapTableEntry) == 24);

    CHECK(k_xen_cpuid_first_leaf == 0x40000000);
    char sig[13] = {};
    std::memcpy(sig + 0, &k_xen_cpuid_signature_ebx, 4);
    std::memcpy(sig + 4, &k_xen_cpuid_signature_ecx, 4);
    std::memcpy(sig + 8, &k_xen_cpuid_signature_edx, 4);
    CHECK(std::string(sig) == "XenVMMXenVMM");
    CHECK(std::string(sig) == k_xen_cpuid_signature);
}

TEST_CASE("errno values hypercalls return", "[abi]") {
    CHECK(errno_values::eperm == 1);
    CHECK(errno_values::efault == 14);
    CHECK(errno_values::einval == 22);
    CHECK(errno_values::enosys == 38);
}
