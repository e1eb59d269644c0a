#include "core/emulate/pt_write.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace pv;

namespace {
PtWriteInstruction decode(std::vector<uint8_t> bytes) { return decode_pt_write(bytes.data(), bytes.size()); }
uint64_t regs_zero[16] = {};
} // namespace

TEST_CASE("decode: MOV to a page-table entry", "[emulate]") {
    // mov %rax,(%rdi) = 48 89 07
    auto i = decode({0x48, 0x89, 0x07});
    CHECK(i.kind == PtWriteKind::mov);
    CHECK(i.length == 3);
    CHECK(i.operand_size == 8);
    CHECK(i.source_register == 0);
    // mov %r9,0x10(%rbx,%rcx,8) = 4c 89 4c cb 10
    i = decode({0x4c, 0x89, 0x4c, 0xcb, 0x10});
    CHECK(i.kind == PtWriteKind::mov);
    CHECK(i.source_register == 9);
    CHECK(i.length == 5);
    // 32-bit mov %eax,(%rdi) = 89 07
    i = decode({0x89, 0x07});
    CHECK(i.operand_size == 4);
    // movq $imm32 sign-extended: 48 c7 07 ff ff ff ff
    i = decode({0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff});
    CHECK(i.kind == PtWriteKind::mov);
    CHECK(i.immediate == ~0ull);
    CHECK(i.length == 7);
}

TEST_CASE("decode: XCHG, LOCK CMPXCHG and locked bit operations", "[emulate]") {
    auto i = decode({0x48, 0x87, 0x06}); // xchg %rax,(%rsi)
    CHECK(i.kind == PtWriteKind::xchg);
    CHECK(i.locked);
    i = decode({0xf0, 0x48, 0x0f, 0xb1, 0x17}); // lock cmpxchg %rdx,(%rdi)
    CHECK(i.kind == PtWriteKind::cmpxchg);
    CHECK(i.source_register == 2);
    CHECK(i.length == 5);
    i = decode({0xf0, 0x48, 0x0f, 0xb3, 0x07}); // lock btr %rax,(%rdi)
    CHECK(i.kind == PtWriteKind::bit_clear);
    i = decode({0xf0, 0x48, 0x0f, 0xba, 0x2f, 0x05}); // lock btsq $5,(%rdi)
    CHECK(i.kind == PtWriteKind::bit_set);
    CHECK(i.immediate == 5);
    CHECK(i.length == 6);
}

TEST_CASE("decode: what is not a page-table write is refused", "[emulate]") {
    CHECK(decode({0x48, 0x01, 0x07}).kind == PtWriteKind::none);       // add
    CHECK(decode({0x48, 0x89, 0xc7}).kind == PtWriteKind::none);       // register destination
    CHECK(decode({0x66, 0x89, 0x07}).kind == PtWriteKind::none);       // 16-bit write
    CHECK(decode({0x48, 0x89}).kind == PtWriteKind::none);             // truncated
    CHECK(decode({0x48, 0x89, 0x84, 0x24}).kind == PtWriteKind::none); // truncated SIB + disp32
    CHECK(decode({0x48, 0xc7, 0x3f, 0, 0, 0, 0}).kind == PtWriteKind::none); // c7 /7 is not MOV
    CHECK(decode({}).kind == PtWriteKind::none);
}

TEST_CASE("apply: MOV, XCHG and 4-byte halves", "[emulate]") {
    uint64_t regs[16] = {};
    regs[0] = 0x1234567007;
    auto e = apply_pt_write(decode({0x48, 0x89, 0x07}), 0xdead000067, 0, regs);
    CHECK(e.writes);
    CHECK(e.new_entry == 0x1234567007);
    e = apply_pt_write(decode({0x48, 0x87, 0x07}), 0xdead000067, 0, regs);
    CHECK(e.new_entry == 0x1234567007);
    CHECK(e.result_register == 0);
    CHECK(e.result_value == 0xdead000067);
    // The high half written by a 32-bit MOV keeps the low half.
    regs[0] = 0x80000000;
    e = apply_pt_write(decode({0x89, 0x07}), 0x0000000012345067, 4, regs);
    CHECK(e.new_entry == 0x8000000012345067);
}

TEST_CASE("apply: CMPXCHG equal and unequal", "[emulate]") {
    uint64_t regs[16] = {};
    regs[0] = 0x1000067; // expected
    regs[2] = 0x2000067; // new
    auto insn = decode({0xf0, 0x48, 0x0f, 0xb1, 0x17});
    auto e = apply_pt_write(insn, 0x1000067, 0, regs);
    CHECK(e.writes);
    CHECK(e.zf);
    CHECK(e.new_entry == 0x2000067);
    e = apply_pt_write(insn, 0x3000067, 0, regs);
    CHECK_FALSE(e.writes);
    CHECK_FALSE(e.zf);
    CHECK(e.result_register == 0);
    CHECK(e.result_value == 0x3000067);
}

TEST_CASE("apply: bit operations report the old bit", "[emulate]") {
    auto e = apply_pt_write(decode({0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05}), 0x67, 0, regs_zero); // btr $5: accessed
    CHECK(e.cf);
    CHECK(e.new_entry == 0x47);
    e = apply_pt_write(decode({0xf0, 0x48, 0x0f, 0xba, 0x2f, 0x01}), 0x65, 0, regs_zero); // bts $1: RW
    CHECK_FALSE(e.cf);
    CHECK(e.new_entry == 0x67);
}

TEST_CASE("decode and apply: AND/OR/XOR, as Linux's constant-bit clear_bit/set_bit", "[emulate]") {
    // ds andb $0xfd,(%r12) = 3e 41 80 24 24 fd (a UP kernel's LOCK became DS)
    auto i = decode({0x3e, 0x41, 0x80, 0x24, 0x24, 0xfd});
    CHECK(i.kind == PtWriteKind::logic_and);
    CHECK(i.operand_size == 1);
    CHECK(i.length == 6);
    auto e = apply_pt_write(i, 0x8000'0000'1234'5067ull, 0, regs_zero); // clears RW
    CHECK(e.new_entry == 0x8000'0000'1234'5065ull);
    CHECK(e.sets_cf);
    CHECK_FALSE(e.cf);
    CHECK_FALSE(e.zf);
    // lock orb $0x2,0x1(%rdi) = f0 80 4f 01 02: a byte inside the entry
    i = decode({0xf0, 0x80, 0x4f, 0x01, 0x02});
    CHECK(i.kind == PtWriteKind::logic_or);
    CHECK(i.locked);
    CHECK(apply_pt_write(i, 0x0000'0000'0000'0065ull, 1, regs_zero).new_entry == 0x0000'0000'0000'0265ull);
    // lock andq $-3,(%rdi) = f0 48 83 27 fd; xorq %rax,(%rdi) = 48 31 07; orl $imm32
    i = decode({0xf0, 0x48, 0x83, 0x27, 0xfd});
    CHECK(i.kind == PtWriteKind::logic_and);
    CHECK(i.operand_size == 8);
    CHECK(i.immediate == ~uint64_t{2});
    CHECK(apply_pt_write(i, 0x67, 0, regs_zero).new_entry == 0x65);
    uint64_t regs[16] = {0x63};
    i = decode({0x48, 0x31, 0x07});
    CHECK(i.kind == PtWriteKind::logic_xor);
    e = apply_pt_write(i, 0x63, 0, regs);
    CHECK(e.new_entry == 0);
    CHECK(e.zf);
    i = decode({0x81, 0x0f, 0x00, 0x00, 0x00, 0x80}); // orl $0x80000000,(%rdi)
    CHECK(i.kind == PtWriteKind::logic_or);
    CHECK(i.length == 6);
    CHECK(apply_pt_write(i, 0x1'0000'0001ull, 0, regs_zero).new_entry == 0x1'8000'0001ull);
    // Neither ADD (80 /0) nor the byte register forms.
    CHECK(decode({0x80, 0x07, 0x01}).kind == PtWriteKind::none);
    CHECK(decode({0x20, 0x07}).kind == PtWriteKind::none);
}
