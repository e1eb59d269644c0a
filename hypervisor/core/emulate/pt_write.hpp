// Decoding a guest write to one of its (read-only) page-table pages, for
// writable page tables (VMASST_TYPE_writable_pagetables, which PV Linux
// always enables): the instruction forms a PV kernel uses to change a page
// table entry — MOV, XCHG, CMPXCHG, locked bit operations, and AND/OR/XOR
// (what Linux's clear_bit/set_bit with a constant bit compile to, e.g.
// `lock andb $~2,(%r12)` to write-protect an entry) — turned into
// "the 8-byte entry becomes NEW" plus what happens to the registers.
// Anything else is not emulated and the #PF goes back to the guest.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pv {

enum class PtWriteKind : uint8_t {
    mov, xchg, cmpxchg, bit_set, bit_clear, bit_complement, logic_and, logic_or, logic_xor, none
};

struct PtWriteInstruction {
    PtWriteKind kind = PtWriteKind::none;
    unsigned length = 0;        // bytes, for advancing RIP
    unsigned operand_size = 0;  // 1 (AND/OR/XOR only), 4 or 8; 2-byte writes are not emulated
    int source_register = -1;   // 0..15 (RAX..R15), or -1 for an immediate
    uint64_t immediate = 0;     // MOV/AND/OR/XOR imm (sign-extended) or the bit index of BTS/BTR/BTC imm8
    bool locked = false;
};

// `bytes` are the instruction bytes at the guest's RIP (up to 15).
PtWriteInstruction decode_pt_write(const uint8_t* bytes, size_t count);

// The entry's new value and the register results, given the 8-byte entry
// before the write (`old_entry`), the byte offset of the write inside it
// (0 or 4 for 4-byte writes) and the register file (indexed 0..15).
struct PtWriteEffect {
    bool writes = true;        // false: CMPXCHG that compared unequal
    uint64_t new_entry = 0;
    // Register updates: XCHG/CMPXCHG write back the old value.
    int result_register = -1;
    uint64_t result_value = 0;
    // Flags a CMPXCHG, bit or logic operation defines (logic: ZF from the
    // result, CF clear; SF/PF/OF are left alone).
    bool sets_zf = false, zf = false;
    bool sets_cf = false, cf = false;
};
PtWriteEffect apply_pt_write(const PtWriteInstruction& insn, uint64_t old_entry, unsigned offset_in_entry,
                             const uint64_t (&regs)[16]);

} // namespace pv
