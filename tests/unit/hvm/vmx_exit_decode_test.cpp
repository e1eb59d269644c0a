#include "arch/x86/vmx/exit_decode.hpp"

#include <catch2/catch.hpp>

using namespace pv::x86;
using namespace pv::x86::vmx;

namespace {

hvm::Exit decode(uint32_t reason, uint64_t qualification = 0, uint32_t length = 0,
                 uint64_t gpa = 0, uint32_t interruption = 0) {
    return decode_exit({reason, qualification, length, gpa, interruption});
}

// An I/O qualification (SDM Vol. 3 Table 28-5): size - 1, direction,
// string, REP, port.
constexpr uint64_t io(uint16_t port, unsigned size, bool in, bool string = false, bool rep = false) {
    return (uint64_t{port} << 16) | (size - 1) | (in ? 8u : 0u) | (string ? 16u : 0u) |
           (rep ? 32u : 0u);
}

} // namespace

TEST_CASE("vmx exit decode: instruction exits take the length field", "[vmx]") {
    CHECK(decode(exit_reason::cpuid, 0, 2).reason == hvm::ExitReason::cpuid);
    CHECK(decode(exit_reason::cpuid, 0, 2).instruction_length == 2);
    // A prefixed CPUID: the field says three bytes.
    CHECK(decode(exit_reason::cpuid, 0, 3).instruction_length == 3);
    CHECK(decode(exit_reason::hlt, 0, 1).reason == hvm::ExitReason::hlt);
    CHECK(decode(exit_reason::hlt, 0, 1).instruction_length == 1);
    CHECK(decode(exit_reason::vmcall, 0, 3).reason == hvm::ExitReason::hypercall);
    CHECK(decode(exit_reason::vmcall, 0, 3).instruction_length == 3);
    CHECK(decode(exit_reason::rdmsr, 0, 2).reason == hvm::ExitReason::msr_read);
    CHECK(decode(exit_reason::wrmsr, 0, 2).reason == hvm::ExitReason::msr_write);
    CHECK(decode(exit_reason::wrmsr, 0, 2).instruction_length == 2);
    CHECK(decode(exit_reason::hlt, 0, 1).vendor_code == exit_reason::hlt);
}

TEST_CASE("vmx exit decode: impossible lengths become 0", "[vmx]") {
    CHECK(decode(exit_reason::cpuid, 0, 0).instruction_length == 0);
    CHECK(decode(exit_reason::cpuid, 0, 16).instruction_length == 0);
    CHECK(decode(exit_reason::cpuid, 0, 0xffffffff).instruction_length == 0);
    CHECK(decode(exit_reason::cpuid, 0, 15).instruction_length == 15);
    // Exits that are not instructions carry no length whatever the field says.
    CHECK(decode(exit_reason::external_interrupt, 0, 2).instruction_length == 0);
    CHECK(decode(exit_reason::ept_violation, 0, 3).instruction_length == 0);
}

TEST_CASE("vmx exit decode: I/O from the qualification", "[vmx]") {
    hvm::Exit out8 = decode(exit_reason::io, io(0x80, 1, false), 2);
    CHECK(out8.reason == hvm::ExitReason::io);
    CHECK(out8.io.port == 0x80);
    CHECK(out8.io.size == 1);
    CHECK_FALSE(out8.io.in);
    CHECK_FALSE(out8.io.string);
    CHECK_FALSE(out8.io.rep);
    CHECK(out8.instruction_length == 2);

    hvm::Exit in32 = decode(exit_reason::io, io(0xcfc, 4, true), 1);
    CHECK(in32.io.port == 0xcfc);
    CHECK(in32.io.size == 4);
    CHECK(in32.io.in);
    CHECK(in32.instruction_length == 1);

    hvm::Exit outsw = decode(exit_reason::io, io(0xe9, 2, false, true, true), 3);
    CHECK(outsw.io.size == 2);
    CHECK(outsw.io.string);
    CHECK(outsw.io.rep);
    CHECK(outsw.instruction_length == 3);

    // Bits above the port (none defined) do not leak into it.
    CHECK(decode(exit_reason::io, io(0xffff, 1, true) | (0xabcdull << 32), 1).io.port == 0xffff);
}

TEST_CASE("vmx exit decode: EPT exits carry the guest-physical address", "[vmx]") {
    // A write (bit 1) to a not-present entry (bits 5:3 clear).
    hvm::Exit v = decode(exit_reason::ept_violation, 0x2, 0, 0xfee00000);
    CHECK(v.reason == hvm::ExitReason::nested_page_fault);
    CHECK(v.guest_physical == 0xfee00000);
    CHECK(v.fault_code == 0x2);
    hvm::Exit m = decode(exit_reason::ept_misconfiguration, 0, 0, 0x12345000);
    CHECK(m.reason == hvm::ExitReason::nested_page_fault);
    CHECK(m.guest_physical == 0x12345000);
    CHECK(m.vendor_code == exit_reason::ept_misconfiguration);
}

TEST_CASE("vmx exit decode: events, shutdown and failed entries", "[vmx]") {
    CHECK(decode(exit_reason::triple_fault).reason == hvm::ExitReason::shutdown);
    CHECK(decode(exit_reason::external_interrupt).reason == hvm::ExitReason::interrupt);
    CHECK(decode(exit_reason::interrupt_window).reason == hvm::ExitReason::interrupt_window);
    // Exception-or-NMI: only an NMI is an interrupt; the exception bitmap is
    // empty, so anything else is unexpected.
    constexpr uint32_t nmi = interruption::valid | interruption::type_nmi | 2;
    constexpr uint32_t gp = interruption::valid | interruption::type_hardware_exception | 13;
    CHECK(decode(exit_reason::exception_or_nmi, 0, 0, 0, nmi).reason == hvm::ExitReason::interrupt);
    CHECK(decode(exit_reason::exception_or_nmi, 0, 0, 0, gp).reason == hvm::ExitReason::unknown);
    // VM-entry failures: bit 31 with the basic reason.
    CHECK(decode(exit_reason::entry_failure | exit_reason::invalid_guest_state).reason ==
          hvm::ExitReason::invalid_state);
    CHECK(decode(exit_reason::entry_failure | exit_reason::msr_loading).reason ==
          hvm::ExitReason::invalid_state);
    CHECK(decode(exit_reason::entry_failure | exit_reason::machine_check_at_entry).vendor_code ==
          (exit_reason::entry_failure | exit_reason::machine_check_at_entry));
    // Even a failed entry whose basic reason looks like an instruction.
    CHECK(decode(exit_reason::entry_failure | exit_reason::cpuid, 0, 2).reason ==
          hvm::ExitReason::invalid_state);
    CHECK(decode(exit_reason::entry_failure | exit_reason::cpuid, 0, 2).instruction_length == 0);
}

TEST_CASE("vmx exit decode: unhandled reasons are unknown with the raw reason", "[vmx]") {
    for (uint32_t reason : {3u, 9u, 28u, 55u, 65535u}) {
        INFO(reason);
        CHECK(decode(reason).reason == hvm::ExitReason::unknown);
        CHECK(decode(reason).vendor_code == reason);
    }
}
