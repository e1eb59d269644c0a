#include "arch/x86/cpu.hpp"
#include "arch/x86/percpu.hpp"

namespace pv::x86 {

namespace {

constexpr uint64_t k_code64_ring0 = 0x00af9a000000ffff; // L=1, DPL 0, execute/read
constexpr uint64_t k_data_ring0 = 0x00cf92000000ffff;   // DPL 0, read/write
constexpr uint64_t k_code32_ring3 = 0x00cffa000000ffff; // D=1, DPL 3, flat
constexpr uint64_t k_data_ring3 = 0x00cff2000000ffff;   // DPL 3, flat
constexpr uint64_t k_code64_ring3 = 0x00affa000000ffff; // L=1, DPL 3
constexpr uint64_t k_page = 4096;
constexpr uint64_t k_window_pages = k_guest_gdt_pages + 1;
// One 64 KiB window per CPU in PML4 slot 260, which guests share with us.
constexpr uint64_t k_gdt_area = 0xffff820000000000;
constexpr uint64_t k_window_stride = 16 * k_page;
uint64_t zero_page_mfn = ~0ull; // the guest area of every window until set_gdt

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

Status allocate_cpu_gdt(PerCpu& cpu, HypervisorPageTables& page_tables, FrameAllocator& frames) {
    if (zero_page_mfn == ~0ull) {
        zero_page_mfn = TRY(frames.alloc(k_owner_hypervisor));
        auto* zero = static_cast<uint64_t*>(phys_to_virt(zero_page_mfn * k_page));
        for (unsigned i = 0; i < 512; ++i) zero[i] = 0;
    }
    uint64_t own_mfn = TRY(frames.alloc(k_owner_hypervisor));
    auto* own = static_cast<uint64_t*>(phys_to_virt(own_mfn * k_page));
    for (unsigned i = 0; i < 512; ++i) own[i] = 0;

    uint64_t window = k_gdt_area + cpu.index * k_window_stride;
    // The guest part is read-only: the CPU never needs to write a
    // descriptor there (accessed bits are preset when a guest installs one).
    for (uint64_t page = 0; page < k_guest_gdt_pages; ++page)
        TRY(page_tables.map_page_4k(window + page * k_page, zero_page_mfn * k_page, 0));
    TRY(page_tables.map_page_4k(window + k_guest_gdt_pages * k_page, own_mfn * k_page, pte::writable));
    cpu.tables.gdt = reinterpret_cast<uint64_t*>(window);
    return Status::ok();
}

Status map_guest_gdt(PerCpu& cpu, HypervisorPageTables& page_tables, const uint64_t* frames, uint32_t count) {
    uint64_t window = k_gdt_area + cpu.index * k_window_stride;
    for (uint32_t page = 0; page < k_guest_gdt_pages; ++page) {
        bool guest = page < count;
        TRY(page_tables.map_page_4k(window + page * k_page, guest ? frames[page] * k_page : zero_page_mfn * k_page,
                                    guest ? pte::writable : 0));
    }
    return Status::ok();
}

void cpu_tables_init(PerCpu& cpu) {
    CpuDescriptorTables& t = cpu.tables;
    uint64_t* gdt = t.gdt;
    gdt[selector::hypervisor_code / 8] = k_code64_ring0;
    gdt[selector::hypervisor_data / 8] = k_data_ring0;
    gdt[selector::guest_code32 / 8] = k_code32_ring3;
    gdt[selector::guest_data / 8] = k_data_ring3;
    gdt[selector::guest_code64 / 8] = k_code64_ring3;
    set_tss_descriptor(&gdt[selector::tss / 8], t.tss);

    t.tss.rsp[0] = cpu.stack_top;
    for (unsigned slot = 1; slot <= ist::count; ++slot) t.tss.ist[slot - 1] = cpu.ist_top[slot];
    t.tss.io_map_base = sizeof(Tss64); // no I/O permission bitmap

    DescriptorPointer gdt_pointer{k_window_pages * k_page - 1, reinterpret_cast<uint64_t>(gdt)};
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
