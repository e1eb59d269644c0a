#include "arch/x86/svm/exit_decode.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace pv::x86;
using namespace pv::x86::svm;

namespace {

constexpr uint64_t k_rip = 0x1000;

hvm::Exit decode(uint64_t code, uint64_t info1 = 0, uint64_t info2 = 0, uint64_t next_rip = 0) {
    return decode_exit({code, info1, info2, next_rip, k_rip});
}

} // namespace

TEST_CASE("svm exit decode: instruction exits without nRIP use the fixed lengths", "[svm]") {
    // QEMU's TCG leaves the VMCB nRIP at zero.
    CHECK(decode(exit_code::cpuid).reason == hvm::ExitReason::cpuid);
    CHECK(decode(exit_code::cpuid).instruction_length == 2);
    CHECK(decode(exit_code::hlt).reason == hvm::ExitReason::hlt);
    CHECK(decode(exit_code::hlt).instruction_length == 1);
    CHECK(decode(exit_code::vmmcall).reason == hvm::ExitReason::hypercall);
    CHECK(decode(exit_code::vmmcall).instruction_length == 3);
    CHECK(decode(exit_code::msr, 0).reason == hvm::ExitReason::msr_read);
    CHECK(decode(exit_code::msr, 1).reason == hvm::ExitReason::msr_write);
    CHECK(decode(exit_code::msr, 1).instruction_length == 2);
}

TEST_CASE("svm exit decode: nRIP wins when the CPU saved it", "[svm]") {
    // A CPUID with a redundant prefix: three bytes, as nRIP says.
    CHECK(decode(exit_code::cpuid, 0, 0, k_rip + 3).instruction_length == 3);
    // A bogus nRIP (behind RIP, or further than an instruction can be) is ignored.
    CHECK(decode(exit_code::hlt, 0, 0, k_rip - 1).instruction_length == 1);
    CHECK(decode(exit_code::hlt, 0, 0, k_rip + 16).instruction_length == 1);
}

TEST_CASE("svm exit decode: IOIO", "[svm]") {
    // OUT imm8, AL: port 0x80, one byte, next RIP in EXITINFO2 (APM Vol. 2 §15.10.2).
    hvm::Exit out = decode(exit_code::ioio, (0x80ull << 16) | ioio::size8, k_rip + 2);
    CHECK(out.reason == hvm::ExitReason::io);
    CHECK(out.io.port == 0x80);
    CHECK(out.io.size == 1);
    CHECK_FALSE(out.io.in);
    CHECK_FALSE(out.io.string);
    CHECK(out.instruction_length == 2);

    // IN EAX, DX from port 0x510: one byte long.
    hvm::Exit in =
        decode(exit_code::ioio, (0x510ull << 16) | ioio::size32 | ioio::type_in, k_rip + 1);
    CHECK(in.io.port == 0x510);
    CHECK(in.io.size == 4);
    CHECK(in.io.in);
    CHECK(in.instruction_length == 1);

    // REP OUTSW with an operand-size prefix: three bytes.
    hvm::Exit outs = decode(exit_code::ioio,
                            (0xe9ull << 16) | ioio::size16 | ioio::string | ioio::rep, k_rip + 3);
    CHECK(outs.io.size == 2);
    CHECK(outs.io.string);
    CHECK(outs.io.rep);
    CHECK(outs.instruction_length == 3);

    // Without a usable EXITINFO2 the length is unknown: 0, and the caller must not guess.
    CHECK(decode(exit_code::ioio, 0x80ull << 16 | ioio::size8, 0).instruction_length == 0);
}

TEST_CASE("svm exit decode: faults and events", "[svm]") {
    hvm::Exit npf = decode(exit_code::npf, 0x6, 0xfee00000);
    CHECK(npf.reason == hvm::ExitReason::nested_page_fault);
    CHECK(npf.guest_physical == 0xfee00000);
    CHECK(npf.fault_code == 0x6);
    CHECK(npf.instruction_length == 0);

    CHECK(decode(exit_code::shutdown).reason == hvm::ExitReason::shutdown);
    CHECK(decode(exit_code::intr).reason == hvm::ExitReason::interrupt);
    CHECK(decode(exit_code::nmi).reason == hvm::ExitReason::interrupt);
    CHECK(decode(exit_code::invalid).reason == hvm::ExitReason::invalid_state);
    hvm::Exit other = decode(0x65); // an intercept Paravane never enables
    CHECK(other.reason == hvm::ExitReason::unknown);
    CHECK(other.vendor_code == 0x65);
    CHECK(std::string(hvm::describe(other.reason)) == "unknown");
    CHECK(std::string(hvm::describe(hvm::ExitReason::nested_page_fault)) == "nested-page-fault");
}

// decode_exit is constexpr: the table of lengths is checked at compile time too.
static_assert(decode_exit({exit_code::vmmcall, 0, 0, 0, 0}).instruction_length == 3);
