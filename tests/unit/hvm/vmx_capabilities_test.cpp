#include "arch/x86/vmx/vmx_capabilities.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace pv::x86::vmx;

namespace {

// Bochs 2.7's corei7_skylake_x, as read by read_capabilities (TRUE_* MSRs,
// IA32_VMX_BASIC bit 55 set).
CapabilityMsrs skylake_x() {
    CapabilityMsrs m;
    m.basic = 0xd810000000002bull;
    m.pin = 0x7f00000016ull;
    m.processor = 0xf7f9fffe04006172ull;
    m.exit = 0x7fffff00036dfbull;
    m.entry = 0xffff000011fbull;
    m.secondary = 0x2177fff00000000ull;
    m.ept_vpid = 0xf0106334141ull;
    m.cr0_fixed0 = 0x80000021;
    m.cr0_fixed1 = 0xffffffff;
    m.cr4_fixed0 = 0x2000;
    m.cr4_fixed1 = 0x3727ff;
    return m;
}

std::string refusal(const CapabilityMsrs& m) {
    VmxSetup s;
    const char* why = nullptr;
    if (compute_setup(m, s, &why)) return "";
    REQUIRE(why != nullptr);
    return why;
}

// Clears bits of a capability's allowed-1 half.
constexpr uint64_t without(uint64_t capability, uint32_t bits) {
    return capability & ~(uint64_t{bits} << 32);
}
// Sets bits of the allowed-0 half: the CPU insists on them.
constexpr uint64_t forcing(uint64_t capability, uint32_t bits) {
    return capability | bits | (uint64_t{bits} << 32);
}

} // namespace

TEST_CASE("vmx controls: allowed-0 and allowed-1 halves", "[vmx]") {
    uint32_t out = 0;
    // Must-be-one 0x16, may-be-one 0x7f: required 0x09 fits, optional 0x100 does not.
    CHECK(adjust_controls(0x7f00000016ull, 0x09, 0x100, out));
    CHECK(out == (0x16u | 0x09u));
    CHECK(adjust_controls(0x7f00000016ull, 0x09, 0x20, out));
    CHECK(out == (0x16u | 0x09u | 0x20u));
    CHECK_FALSE(adjust_controls(0x7f00000016ull, 0x80, 0, out));
    CHECK_FALSE(adjust_controls(0, 1, 0, out));
}

TEST_CASE("vmx controls: the Skylake-X model of Bochs", "[vmx]") {
    VmxSetup s;
    const char* why = "untouched";
    REQUIRE(compute_setup(skylake_x(), s, &why));
    CHECK(why == nullptr);
    CHECK(s.revision == 0x2b);
    CHECK((s.pin & (pin::external_interrupt_exiting | pin::nmi_exiting)) ==
          (pin::external_interrupt_exiting | pin::nmi_exiting));
    constexpr uint32_t proc_needed = proc::hlt_exiting | proc::unconditional_io_exiting |
                                     proc::use_msr_bitmaps | proc::secondary_controls;
    CHECK((s.processor & proc_needed) == proc_needed);
    CHECK_FALSE(s.processor & proc::interrupt_window_exiting); // only on request
    CHECK_FALSE(s.processor & proc::cr3_load_exiting);          // TRUE MSRs let it go
    constexpr uint32_t proc2_needed = proc2::enable_ept | proc2::unrestricted_guest | proc2::enable_vpid;
    CHECK((s.secondary & proc2_needed) == proc2_needed);
    CHECK(s.vpid);
    CHECK(s.invept_type == k_invalidate_single_context);
    CHECK(s.invvpid_type == k_invalidate_single_context);
    constexpr uint32_t exit_needed = exit_ctl::host_address_space_size | exit_ctl::save_efer |
                                     exit_ctl::load_efer | exit_ctl::save_pat | exit_ctl::load_pat;
    CHECK((s.exit & exit_needed) == exit_needed);
    CHECK_FALSE(s.exit & exit_ctl::acknowledge_interrupt);
    CHECK((s.entry & (entry_ctl::load_efer | entry_ctl::load_pat)) ==
          (entry_ctl::load_efer | entry_ctl::load_pat));
    CHECK_FALSE(s.entry & entry_ctl::ia32e_mode_guest); // per entry, from the guest's EFER.LMA
}

TEST_CASE("vmx controls: what the guest's CR0 and CR4 become", "[vmx]") {
    VmxSetup s;
    const char* why = nullptr;
    REQUIRE(compute_setup(skylake_x(), s, &why));
    // NE is forced; PE and PG stay the guest's (unrestricted guest).
    CHECK(real_cr0(s, 0x11) == 0x31);
    CHECK(real_cr0(s, 0) == 0x20);
    CHECK(real_cr0(s, 0x80000011) == 0x80000031);
    CHECK(cr0_forced(s) == 0x20);
    // The host owns NE, CD and NW: the guest reads those from its shadow.
    CHECK(cr0_host_owned(s) == 0x60000020);
    CHECK(real_cr4(s, 0) == 0x2000);
    CHECK(real_cr4(s, 0x20) == 0x2020);
    // Bits the CPU cannot have set in VMX operation are dropped.
    CHECK(real_cr4(s, 0x400000) == 0x2000);
    CHECK(cr4_forced(s) == 0x2000);
}

TEST_CASE("vmx controls: refused without what PVH needs", "[vmx]") {
    CapabilityMsrs m = skylake_x();
    m.secondary = without(m.secondary, proc2::unrestricted_guest);
    CHECK(refusal(m) == "VMX without EPT or unrestricted guest");
    m = skylake_x();
    m.secondary = without(m.secondary, proc2::enable_ept);
    CHECK(refusal(m) == "VMX without EPT or unrestricted guest");
    m = skylake_x();
    m.secondary = 0; // no secondary controls at all
    m.processor = without(m.processor, proc::secondary_controls);
    CHECK(refusal(m) == "VMX without HLT, I/O or MSR-bitmap exiting or secondary controls");
    m = skylake_x();
    m.pin = without(m.pin, pin::nmi_exiting);
    CHECK(refusal(m) == "VMX without external-interrupt or NMI exiting");
    m = skylake_x();
    m.ept_vpid &= ~ept_cap::memory_type_wb;
    CHECK(refusal(m) == "EPT without four-level write-back tables");
    m = skylake_x();
    m.ept_vpid &= ~ept_cap::walk_length_4;
    CHECK(refusal(m) == "EPT without four-level write-back tables");
    m = skylake_x();
    m.ept_vpid &= ~ept_cap::invept;
    CHECK(refusal(m) == "EPT without INVEPT");
    m = skylake_x();
    m.exit = forcing(m.exit, exit_ctl::acknowledge_interrupt);
    CHECK(refusal(m) == "VMX without EFER/PAT switching at exit");
    m = skylake_x();
    m.exit = without(m.exit, exit_ctl::load_efer);
    CHECK(refusal(m) == "VMX without EFER/PAT switching at exit");
    m = skylake_x();
    m.entry = without(m.entry, entry_ctl::load_pat);
    CHECK(refusal(m) == "VMX without EFER/PAT loading at entry");
    m = skylake_x();
    m.entry = forcing(m.entry, entry_ctl::ia32e_mode_guest);
    CHECK(refusal(m) == "VMX without EFER/PAT loading at entry");
    m = skylake_x();
    m.basic = (m.basic & ~(0x1fffull << 32)) | (0x2000ull << 32); // 8 KiB regions
    CHECK(refusal(m) == "VMX regions larger than a page");
    m = skylake_x();
    m.basic &= ~(0xfull << 50); // uncacheable VMX structures
    CHECK(refusal(m) == "VMX structures not in write-back memory");
}

TEST_CASE("vmx controls: optional pieces", "[vmx]") {
    // No INVVPID: no VPIDs either (every entry then flushes by INVEPT alone).
    CapabilityMsrs m = skylake_x();
    m.ept_vpid &= ~ept_cap::invvpid;
    VmxSetup s;
    const char* why = nullptr;
    REQUIRE(compute_setup(m, s, &why));
    CHECK_FALSE(s.vpid);
    CHECK_FALSE(s.secondary & proc2::enable_vpid);
    CHECK(s.invvpid_type == 0);

    // Only all-context invalidation.
    m = skylake_x();
    m.ept_vpid &= ~(ept_cap::invept_single | ept_cap::invvpid_single);
    REQUIRE(compute_setup(m, s, &why));
    CHECK(s.invept_type == k_invalidate_all_contexts);
    CHECK(s.invvpid_type == k_invalidate_all_contexts);

    // Plain (not TRUE) controls force CR3 and CR8 exiting: accepted, the
    // container completes those moves itself.
    m = skylake_x();
    m.processor = forcing(m.processor, proc::cr3_load_exiting | proc::cr3_store_exiting |
                                           proc::cr8_load_exiting | proc::cr8_store_exiting);
    REQUIRE(compute_setup(m, s, &why));
    CHECK(s.processor & proc::cr3_load_exiting);
}
