#include "core/emulate/pt_write.hpp"

namespace pv {

namespace {

// Length of the ModRM memory operand encoding after the ModRM byte
// (SIB + displacement), SDM Vol. 2A §2.1.5. RIP-relative counts as disp32.
unsigned memory_operand_extra(const uint8_t* p, size_t left, bool& ok) {
    ok = false;
    if (left < 1) return 0;
    uint8_t modrm = p[0];
    unsigned mod = modrm >> 6, rm = modrm & 7;
    if (mod == 3) return 0; // a register operand: not a memory write
    unsigned extra = 0;
    if (rm == 4) {
        if (left < 2) return 0;
        extra += 1;
        uint8_t sib = p[1];
        if (mod == 0 && (sib & 7) == 5) extra += 4;
    } else if (mod == 0 && rm == 5) {
        extra += 4;
    }
    if (mod == 1) extra += 1;
    if (mod == 2) extra += 4;
    ok = 1 + extra <= left;
    return extra;
}

} // namespace

PtWriteInstruction decode_pt_write(const uint8_t* b, size_t n) {
    PtWriteInstruction insn;
    size_t i = 0;
    bool operand16 = false;
    unsigned rex = 0;
    for (; i < n && i < 4; ++i) {
        if (b[i] == 0xf0) insn.locked = true;
        else if (b[i] == 0x66) operand16 = true;
        else if (b[i] == 0x2e || b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x36) continue; // segment overrides
        else break;
    }
    if (i < n && (b[i] & 0xf0) == 0x40) rex = b[i++] & 0xf;
    if (i >= n || operand16) return {};
    insn.operand_size = (rex & 8) ? 8 : 4;
    auto finish = [&](PtWriteKind kind, size_t modrm_at, unsigned immediate_bytes) -> PtWriteInstruction {
        bool ok = false;
        unsigned extra = memory_operand_extra(b + modrm_at, n - modrm_at, ok);
        if (!ok || modrm_at + 1 + extra + immediate_bytes > n) return {};
        insn.kind = kind;
        insn.source_register = static_cast<int>(((b[modrm_at] >> 3) & 7) | ((rex & 4) ? 8 : 0));
        insn.length = static_cast<unsigned>(modrm_at + 1 + extra + immediate_bytes);
        return insn;
    };
    uint8_t op = b[i];
    if (op == 0x89) return finish(PtWriteKind::mov, i + 1, 0); // MOV r/m, r
    if (op == 0x87) {                                          // XCHG r/m, r (always locked)
        insn.locked = true;
        return finish(PtWriteKind::xchg, i + 1, 0);
    }
    if (op == 0xc7) { // MOV r/m, imm32 (/0)
        if (i + 1 >= n || ((b[i + 1] >> 3) & 7) != 0) return {};
        PtWriteInstruction r = finish(PtWriteKind::mov, i + 1, 4);
        if (r.kind == PtWriteKind::none) return r;
        const uint8_t* imm = b + r.length - 4;
        int32_t value = static_cast<int32_t>(imm[0] | (imm[1] << 8) | (imm[2] << 16) | (uint32_t(imm[3]) << 24));
        r.immediate = static_cast<uint64_t>(static_cast<int64_t>(value));
        r.source_register = -1;
        return r;
    }
    // AND/OR/XOR r/m, r (09, 21, 31; not the byte forms, whose register
    // numbers mean AH..BH without REX) and r/m, imm (80 ib byte, 81 id,
    // 83 ib sign-extended; /1 OR, /4 AND, /6 XOR).
    auto logic_kind = [](unsigned which) {
        return which == 1 ? PtWriteKind::logic_or
             : which == 4 ? PtWriteKind::logic_and
             : which == 6 ? PtWriteKind::logic_xor
                          : PtWriteKind::none;
    };
    if (op == 0x09 || op == 0x21 || op == 0x31) return finish(logic_kind(op >> 3), i + 1, 0);
    if (op == 0x80 || op == 0x81 || op == 0x83) {
        if (i + 1 >= n) return {};
        const PtWriteKind kind = logic_kind((b[i + 1] >> 3) & 7);
        if (kind == PtWriteKind::none) return {};
        const unsigned imm_bytes = op == 0x81 ? 4 : 1;
        if (op == 0x80) insn.operand_size = 1;
        PtWriteInstruction r = finish(kind, i + 1, imm_bytes);
        if (r.kind == PtWriteKind::none) return r;
        const uint8_t* imm = b + r.length - imm_bytes;
        const int64_t value = imm_bytes == 1 ? static_cast<int8_t>(imm[0])
                                             : static_cast<int32_t>(imm[0] | (imm[1] << 8) | (imm[2] << 16) |
                                                                    (uint32_t(imm[3]) << 24));
        r.immediate = static_cast<uint64_t>(value);
        r.source_register = -1;
        return r;
    }
    if (op != 0x0f || i + 1 >= n) return {};
    uint8_t op2 = b[i + 1];
    if (op2 == 0xb1) return finish(PtWriteKind::cmpxchg, i + 2, 0);
    if (op2 == 0xab) return finish(PtWriteKind::bit_set, i + 2, 0);
    if (op2 == 0xb3) return finish(PtWriteKind::bit_clear, i + 2, 0);
    if (op2 == 0xbb) return finish(PtWriteKind::bit_complement, i + 2, 0);
    if (op2 == 0xba && i + 2 < n) { // BT* r/m, imm8: /5 BTS, /6 BTR, /7 BTC
        unsigned ext = (b[i + 2] >> 3) & 7;
        PtWriteKind kind = ext == 5 ? PtWriteKind::bit_set
                         : ext == 6 ? PtWriteKind::bit_clear
                         : ext == 7 ? PtWriteKind::bit_complement
                                    : PtWriteKind::none;
        if (kind == PtWriteKind::none) return {};
        PtWriteInstruction r = finish(kind, i + 2, 1);
        if (r.kind == PtWriteKind::none) return r;
        r.immediate = b[r.length - 1];
        r.source_register = -1;
        return r;
    }
    return {};
}

PtWriteEffect apply_pt_write(const PtWriteInstruction& insn, uint64_t old_entry, unsigned offset,
                             const uint64_t (&regs)[16]) {
    PtWriteEffect e;
    const unsigned bits = insn.operand_size * 8;
    const uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    const unsigned shift = offset * 8;
    const uint64_t old_part = (old_entry >> shift) & mask;
    uint64_t source = insn.source_register >= 0 ? regs[insn.source_register] : insn.immediate;
    auto merge = [&](uint64_t part) { return (old_entry & ~(mask << shift)) | ((part & mask) << shift); };

    switch (insn.kind) {
    case PtWriteKind::mov:
        e.new_entry = merge(source);
        break;
    case PtWriteKind::xchg:
        e.new_entry = merge(source);
        e.result_register = insn.source_register;
        e.result_value = old_part;
        break;
    case PtWriteKind::cmpxchg: {
        uint64_t expected = regs[0] & mask; // RAX/EAX
        e.sets_zf = true;
        e.zf = expected == old_part;
        if (e.zf) {
            e.new_entry = merge(source);
        } else {
            e.writes = false;
            e.new_entry = old_entry;
            e.result_register = 0;
            e.result_value = old_part;
        }
        break;
    }
    case PtWriteKind::bit_set:
    case PtWriteKind::bit_clear:
    case PtWriteKind::bit_complement: {
        // A register bit offset may reach beyond the operand; for a page
        // table entry only bits inside it make sense.
        uint64_t bit = source % bits;
        uint64_t flag = 1ull << bit;
        e.sets_cf = true;
        e.cf = (old_part & flag) != 0;
        uint64_t part = insn.kind == PtWriteKind::bit_set ? old_part | flag
                      : insn.kind == PtWriteKind::bit_clear ? old_part & ~flag
                                                            : old_part ^ flag;
        e.new_entry = merge(part);
        break;
    }
    case PtWriteKind::logic_and:
    case PtWriteKind::logic_or:
    case PtWriteKind::logic_xor: {
        uint64_t part = insn.kind == PtWriteKind::logic_and ? old_part & source
                      : insn.kind == PtWriteKind::logic_or  ? old_part | source
                                                            : old_part ^ source;
        e.new_entry = merge(part);
        e.sets_zf = true;
        e.zf = (part & mask) == 0;
        e.sets_cf = true;
        e.cf = false;
        break;
    }
    case PtWriteKind::none:
        e.writes = false;
        e.new_entry = old_entry;
        break;
    }
    return e;
}

} // namespace pv
