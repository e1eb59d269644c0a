#include "arch/x86/pv/pt_write_fault.hpp"

#include "arch/x86/paging.hpp"
#include "arch/x86/pv/pv_vcpu.hpp"
#include "core/emulate/pt_write.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "include/public/hypercall.hpp"

namespace pv::x86 {

namespace {

constexpr uint64_t k_pf_present = 1, k_pf_write = 2;
constexpr uint64_t k_flag_cf = 1ull << 0, k_flag_zf = 1ull << 6;
constexpr int k_retries = 4;

uint64_t* register_slot(TrapFrame& f, int index) {
    uint64_t* slots[16] = {&f.rax, &f.rcx, &f.rdx, &f.rbx, &f.rsp, &f.rbp, &f.rsi, &f.rdi,
                           &f.r8,  &f.r9,  &f.r10, &f.r11, &f.r12, &f.r13, &f.r14, &f.r15};
    return slots[index & 15];
}

// A 32-bit register result zero-extends (SDM Vol. 1 §3.4.1.1).
void set_register(TrapFrame& f, int index, uint64_t value, unsigned size) {
    *register_slot(f, index) = size == 4 ? uint32_t(value) : value;
}

uint64_t current_entry(uint64_t mfn, unsigned offset) {
    return static_cast<volatile uint64_t*>(phys_to_virt(mfn * 4096))[(offset & 0xfff) / 8];
}

} // namespace

bool emulate_page_table_write(Vcpu& v, TrapFrame& f, uint64_t cr2) {
    if ((f.error_code & (k_pf_present | k_pf_write)) != (k_pf_present | k_pf_write) || !v.pv.kernel_mode)
        return false;
    // Only for a guest that enabled writable page tables (VMASST_TYPE_
    // writable_pagetables); others get the fault.
    if (!(v.domain().vm_assist & (1ull << abi::raw(abi::VmAssistType::writable_pagetables)))) return false;
    PvMmu* mmu = pv_environment().mmu ? pv_environment().mmu() : nullptr;
    if (!mmu) return false;
    PvGuestSpace space = guest_space_of(v);
    auto maddr = space.translate(cr2, false);
    if (!maddr) return false;
    const uint64_t mfn = *maddr >> 12;
    Domain& d = v.domain();
    if (!mmu->is_emulable_pt(d, mfn)) return false;

    uint8_t bytes[15];
    unsigned n = 0;
    for (; n < sizeof bytes; ++n)
        if (!space.copy_from(f.rip + n, &bytes[n], 1)) break;
    PtWriteInstruction insn = decode_pt_write(bytes, n);
    if (insn.kind == PtWriteKind::none) return false;

    const unsigned offset = cr2 & 0xfff;
    const unsigned size = insn.operand_size;
    const uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
    uint64_t regs[16];
    for (int i = 0; i < 16; ++i) regs[i] = *register_slot(f, i);

    PtWrite w;
    w.mfn = mfn;
    w.offset = offset;
    w.bytes = size;
    if (insn.kind == PtWriteKind::mov) {
        w.value = (insn.source_register >= 0 ? regs[insn.source_register] : insn.immediate) & mask;
        if (mmu->emulate_pt_write(d, w) != PtWriteResult::done) return false;
    } else if (insn.kind == PtWriteKind::cmpxchg) {
        w.is_cmpxchg = true;
        w.expected = regs[0] & mask;
        w.value = regs[insn.source_register] & mask;
        uint64_t seen = 0;
        PtWriteResult r = mmu->emulate_pt_write(d, w, &seen);
        if (r == PtWriteResult::refused) return false;
        if (r == PtWriteResult::compare_failed) {
            set_register(f, 0, seen & mask, size);
            f.rflags &= ~k_flag_zf;
        } else {
            f.rflags |= k_flag_zf;
        }
    } else {
        // XCHG, bit and logic operations read and write the entry atomically: do
        // them as compare-and-exchange against the value just read, and go
        // again if the CPU changed accessed/dirty bits in between.
        PtWriteResult r = PtWriteResult::compare_failed;
        PtWriteEffect effect;
        for (int attempt = 0; attempt < k_retries && r == PtWriteResult::compare_failed; ++attempt) {
            uint64_t old_entry = current_entry(mfn, offset);
            unsigned within = offset % 8;
            effect = apply_pt_write(insn, old_entry, within, regs);
            w.is_cmpxchg = true;
            w.expected = (old_entry >> (within * 8)) & mask;
            w.value = (effect.new_entry >> (within * 8)) & mask;
            r = mmu->emulate_pt_write(d, w);
        }
        if (r != PtWriteResult::done) return false;
        if (effect.result_register >= 0) set_register(f, effect.result_register, effect.result_value, size);
        if (effect.sets_cf) f.rflags = effect.cf ? f.rflags | k_flag_cf : f.rflags & ~k_flag_cf;
        if (effect.sets_zf) f.rflags = effect.zf ? f.rflags | k_flag_zf : f.rflags & ~k_flag_zf;
    }
    f.rip += insn.length;
    return true;
}

} // namespace pv::x86
