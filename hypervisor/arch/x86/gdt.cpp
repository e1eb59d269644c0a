#include "arch/x86/cpu.hpp"
#include "arch/x86/percpu.hpp"

namespace pv::x86 {

namespace {

constexpr uint64_t k_code64_ring0 = 0x00af9a000000ffff; // L=1, DPL 0, execute/read
constexpr uint64_t k_data_ring0 = 0x00cf92000000ffff;   // DPL 0, read/write

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

// A 64-bit available TSS descriptor takes two GDT slots (SDM Vol. 3 §8.2.3).
void set_tss_descriptor(uint64_t* slot, const Tss64& tss) {
    uint64_t base = reinterpret_cast<uint64_t>(&tss);
    uint64_t limit = sizeof(Tss64) - 1;
    slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
              ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
    slot[1] = base >> 32;
}

} // namespace

void cpu_tables_init(PerCpu& cpu) {
    CpuDescriptorTables& t = cpu.tables;
    t.gdt[0] = 0;
    t.gdt[selector::hypervisor_code / 8] = k_code64_ring0;
    t.gdt[selector::hypervisor_data / 8] = k_data_ring0;
    set_tss_descriptor(&t.gdt[selector::tss / 8], t.tss);

    t.tss.rsp[0] = cpu.stack_top;
    for (unsigned slot = 1; slot <= ist::count; ++slot) t.tss.ist[slot - 1] = cpu.ist_top[slot];
    t.tss.io_map_base = sizeof(Tss64); // no I/O permission bitmap

    DescriptorPointer gdt_pointer{sizeof(t.gdt) - 1, reinterpret_cast<uint64_t>(t.gdt)};
    asm volatile("lgdt %0" ::"m"(gdt_pointer));
    // Reload CS with a far return, then the data segments.
    asm volatile("pushq %0\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "mov %1, %%ds\n\t"
                 "mov %1, %%es\n\t"
                 "mov %1, %%ss\n\t"
                 :
                 : "i"(uint64_t(selector::hypervisor_code)), "r"(uint32_t(selector::hypervisor_data))
                 : "rax", "memory");
    asm volatile("ltr %w0" ::"r"(selector::tss));
    idt_load();

    cpu.self = &cpu;
    wrmsr(msr::gs_base, reinterpret_cast<uint64_t>(&cpu));
    wrmsr(msr::kernel_gs_base, 0);
}

} // namespace pv::x86
