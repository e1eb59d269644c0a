// The PVH platform: minios in ring 0 of a hardware container, with Xen's
// hypercalls, event channels and console ring (kernel/platform.hpp has the
// comparison with PV). Also the 64-bit entry of arch/start32.S, which
// tells PVH from bare metal.
//
// What it asks of the hypervisor, in order:
//   * CPUID: Xen's leaves at 0x40000000 + 0x100 * k (signature
//     "XenVMMXenVMM", at least leaf +2); leaf +2 EBX is the hypercall MSR;
//   * wrmsr(that MSR, guest-physical address of hypercall_page): the
//     hypervisor fills the page with one 32-byte stub per hypercall;
//   * hvm_op(set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, vector type
//     0xf3): event upcalls arrive as IDT vector 0xf3 while
//     vcpu_info.evtchn_upcall_pending is set and RFLAGS.IF = 1; the handler
//     clears upcall_pending and sends no EOI. If refused,
//     hvm_op(set_evtchn_upcall_vector, {vcpu 0, 0xf3}) with the same
//     expectation;
//   * the memory map in hvm_start_info (version 1), else memory_op
//     memory_map (Xen 4.17's PVH Dom0 gets version 0);
//   * memory_op(add_to_physmap, {DOMID_SELF, shared_info, idx 0, gpfn of a
//     page of our .bss});
//   * DomU: hvm_op(get_param, DOMID_SELF, HVM_PARAM_CONSOLE_PFN / _EVTCHN)
//     for the console ring (below 4 GiB); the initial domain (SIF_INITDOMAIN
//     in hvm_start_info.flags) uses console_io;
//   * timers: vcpu_op(set_singleshot_timer, 0) raising VIRQ_TIMER, pvclock
//     in vcpu_info[0].time; blocking: sti; hlt with an event as wake-up.
#include "arch/hypercall.hpp"
#include "include/public/errno.hpp"
#include "include/public/xen_cpuid.hpp"
#include "kernel/idt.hpp"
#include "kernel/kernel.hpp"
#include "kernel/platform.hpp"

extern "C" char _image_end[]; // minios.ld

namespace minios {

// kernel/platform_native.cpp (bare metal: multiboot, no hypervisor).
[[noreturn]] void start_native(uint64_t multiboot_info);

namespace {

constexpr uint64_t k_4gib = 1ull << 32;
// The kernel's map from VIRT_BASE covers the first 2 GiB (arch/start32.S).
constexpr uint64_t k_high_map_size = 2ull << 30;
// Longest command line read from hvm_start_info (Xen's dom0 limit is 1 KiB,
// Paravane's builder < 4 KiB).
constexpr size_t k_max_cmdline = 4096;
constexpr uint8_t k_upcall_vector = MINIOS_UPCALL_VECTOR;

constexpr long error(abi::Errno e) {
    return -static_cast<long>(e);
}

// shared_info appears over this page (its RAM frame goes back to the
// hypervisor), as Linux does for HVM guests.
alignas(4096) char shared_info_slot[4096];

struct XenLeaves {
    uint32_t base = 0; // 0: none found
    uint32_t max_leaf = 0;
    uint32_t hypercall_msr = 0;
};
XenLeaves xen_leaves;

struct Cpuid {
    uint32_t eax, ebx, ecx, edx;
};

Cpuid cpuid(uint32_t leaf) {
    Cpuid r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(0));
    return r;
}

void wrmsr(uint32_t msr, uint64_t value) {
    asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<uint32_t>(value)),
                 "d"(static_cast<uint32_t>(value >> 32))
                 : "memory");
}

// Xen's leaves sit at the first 0x100-aligned base from 0x40000000 whose
// first leaf carries the signature (xen_cpuid.hpp). Scans 0x40000000 ..
// 0x4000ff00 as Linux does.
XenLeaves find_xen_leaves() {
    XenLeaves x;
    for (uint32_t base = abi::k_xen_cpuid_first_leaf; base < abi::k_xen_cpuid_first_leaf + 0x10000;
         base += abi::k_xen_cpuid_base_stride) {
        const Cpuid r = cpuid(base);
        if (r.ebx != abi::k_xen_cpuid_signature_ebx || r.ecx != abi::k_xen_cpuid_signature_ecx ||
            r.edx != abi::k_xen_cpuid_signature_edx)
            continue;
        if (r.eax < base + abi::k_xen_cpuid_leaf_hypercall) continue;
        x.base = base;
        x.max_leaf = r.eax;
        x.hypercall_msr = cpuid(base + abi::k_xen_cpuid_leaf_hypercall).ebx;
        return x;
    }
    return x;
}

uint64_t physical(const void* kernel_address) {
    return reinterpret_cast<uintptr_t>(kernel_address) - k_virt_base;
}

// Debug console to the hypervisor's log (Xen and Paravane: port 0xE9), for
// what goes wrong before there are hypercalls.
void debug_port_write(const char* text) {
    for (; *text != '\0'; ++text)
        asm volatile("outb %0, $0xe9" ::"a"(*text));
}

[[noreturn]] void halt_forever() {
    for (;;)
        asm volatile("cli; hlt");
}

pv::StringView bounded(const char* text, size_t capacity) {
    size_t n = 0;
    while (n < capacity && text[n] != '\0')
        ++n;
    return pv::StringView(text, n);
}

// One memory-map entry, from either source.
struct RamRange {
    uint64_t addr, size;
    uint32_t type; // E820 / HvmMemmapType numbers (the same)
};
constexpr uint32_t k_max_e820 = 128;
constexpr uint32_t k_max_modules = 16;
abi::E820Entry e820[k_max_e820];

// Pushes `first_free` (physical) past [addr, addr + size) when that blob
// lies in the free range [first_free, end).
void skip_blob(uint64_t addr, uint64_t size, uint64_t end, uint64_t& first_free) {
    if (size == 0 || addr >= end || addr + size <= first_free) return;
    first_free = round_up(addr + size, k_page_size);
}

// Reads hvm_start_info (through the identity map below 4 GiB) into `out`.
const char* parse_hvm_start_info(uint64_t paddr, BootInfo& out) {
    out.image_end = round_up(reinterpret_cast<uintptr_t>(_image_end), k_page_size);
    if (paddr == 0 || paddr > k_4gib - sizeof(abi::HvmStartInfo))
        return "hvm_start_info address (ebx) is 0 or above 4 GiB";
    const auto* si = reinterpret_cast<const abi::HvmStartInfo*>(paddr);
    out.hvm_start_info = si;
    if (si->magic != abi::k_hvm_start_magic) return "hvm_start_info magic is not 0x336ec578";
    out.flags = si->flags;
    if (si->cmdline_paddr != 0 && si->cmdline_paddr < k_4gib - k_max_cmdline)
        out.cmdline = bounded(reinterpret_cast<const char*>(si->cmdline_paddr), k_max_cmdline);

    // Counts are the builder's word: read no further than a sane bound.
    const uint32_t nr_modules = si->nr_modules < k_max_modules ? si->nr_modules : k_max_modules;
    const abi::HvmModlistEntry* modules = nullptr;
    if (nr_modules != 0 && si->modlist_paddr != 0 && si->modlist_paddr < k_4gib) {
        modules = reinterpret_cast<const abi::HvmModlistEntry*>(si->modlist_paddr);
        const abi::HvmModlistEntry& m = modules[0];
        if (m.size != 0 && m.paddr < k_4gib && m.size <= k_4gib - m.paddr) {
            out.first_module.data = reinterpret_cast<const uint8_t*>(m.paddr);
            out.first_module.size = m.size;
            out.first_module.first_pfn = m.paddr / k_page_size;
            out.first_module.mapped = true;
        }
    }

    // The memory map: hvm_start_info's (version 1), else memory_op
    // memory_map (Xen 4.17 gives its PVH Dom0 a version 0 structure).
    const auto* map = reinterpret_cast<const abi::HvmMemmapTableEntry*>(si->memmap_paddr);
    uint32_t entries = si->memmap_entries < k_max_e820 ? si->memmap_entries : k_max_e820;
    const bool own_map =
        si->version >= 1 && entries != 0 && si->memmap_paddr != 0 && si->memmap_paddr < k_4gib;
    if (!own_map) {
        abi::MemoryMap request{k_max_e820, 0, abi::GuestPtr<void>::of(e820)};
        if (hv::memory_op(abi::MemoryOp::memory_map, &request) < 0 || request.nr_entries == 0)
            return "no memory map (hvm_start_info version 0 and memory_op memory_map failed)";
        entries = request.nr_entries < k_max_e820 ? request.nr_entries : k_max_e820;
    }
    auto entry = [&](uint32_t i) {
        return own_map ? RamRange{map[i].addr, map[i].size, map[i].type}
                       : RamRange{e820[i].addr, e820[i].size, e820[i].type};
    };
    const uint64_t kernel_start = MINIOS_KERNEL_PHYS;
    const uint64_t kernel_end = out.image_end - k_virt_base;
    uint64_t ram_pages = 0, region_end = 0;
    for (uint32_t i = 0; i < entries; ++i) {
        const RamRange r = entry(i);
        if (r.type != static_cast<uint32_t>(abi::HvmMemmapType::ram)) continue;
        ram_pages += r.size / k_page_size;
        if (r.addr <= kernel_start && r.addr + r.size >= kernel_end) region_end = r.addr + r.size;
    }
    if (region_end == 0) return "the kernel is not in RAM (memory map)";
    out.pages = ram_pages;
    if (region_end > k_high_map_size) region_end = k_high_map_size;
    region_end &= ~(k_page_size - 1);

    // Free: from the image's end to the end of its RAM region, minus what
    // the builder put there (Xen puts the module, hvm_start_info, command
    // line and tables after the kernel). A blob that ends above first_free
    // moves it past the blob; first_free only grows, so one pass in any
    // order leaves it above every blob.
    uint64_t first_free = kernel_end;
    skip_blob(paddr, sizeof(abi::HvmStartInfo), region_end, first_free);
    skip_blob(si->cmdline_paddr, out.cmdline.size() + 1, region_end, first_free);
    if (own_map)
        skip_blob(si->memmap_paddr, entries * sizeof(abi::HvmMemmapTableEntry), region_end,
                  first_free);
    if (modules != nullptr) {
        skip_blob(si->modlist_paddr, nr_modules * sizeof(abi::HvmModlistEntry), region_end,
                  first_free);
        for (uint32_t i = 0; i < nr_modules; ++i)
            skip_blob(modules[i].paddr, modules[i].size, region_end, first_free);
    }
    if (first_free > region_end) first_free = region_end;
    out.first_free = k_virt_base + first_free;
    out.mapped_end = k_virt_base + region_end;
    return nullptr;
}

class PvhPlatform final : public Platform {
public:
    BootMode mode() const override { return BootMode::pvh; }

    void print_boot_info(const BootInfo& boot) const override {
        if (boot.hvm_start_info == nullptr) {
            println("minios: PVH boot without hvm_start_info");
            return;
        }
        const abi::HvmStartInfo& si = *boot.hvm_start_info;
        println("minios: PVH boot: hvm_start_info at {:#x}: version {}, flags {:#x}{}{}, {} "
                "modules",
                reinterpret_cast<uintptr_t>(boot.hvm_start_info), si.version, si.flags,
                boot.is_privileged() ? " privileged" : "",
                boot.is_initial_domain() ? " initdomain" : "", si.nr_modules);
        println("minios: Xen CPUID leaves at {:#x} (max {:#x}), hypercall MSR {:#x}",
                xen_leaves.base, xen_leaves.max_leaf, xen_leaves.hypercall_msr);
        println("minios: memory map: {} entries in hvm_start_info, {} RAM pages; rsdp {:#x}",
                si.memmap_entries, boot.nr_pages(), si.rsdp_paddr);
        println("minios: image ends {:#x}, free pages {:#x}..{:#x}", boot.image_end,
                boot.first_free, boot.mapped_end);
        const BootInfo::Module m = boot.module();
        if (m.size == 0)
            println("minios: no module");
        else
            println("minios: module at {:p}, {} bytes", m.data, m.size);
        println("minios: command line '{}'", boot.command_line());
    }

    long install_traps(const char*& what) override {
        load_idt();
        abi::HvmParam param{abi::k_domid_self, 0, abi::raw(abi::HvmParamIndex::callback_irq),
                            abi::hvm_callback_via_vector(k_upcall_vector)};
        what = "hvm_op(set_param, CALLBACK_IRQ)";
        long rc = hv::hvm_op(abi::HvmOp::set_param, &param);
        if (rc == 0) return 0;
        abi::HvmEvtchnUpcallVector vector{0, k_upcall_vector, {}};
        what = "hvm_op(set_param, CALLBACK_IRQ) and hvm_op(set_evtchn_upcall_vector)";
        return hv::hvm_op(abi::HvmOp::set_evtchn_upcall_vector, &vector);
    }

    void remove_trap_handlers() override { load_empty_idt(); }

    long map_shared_info(const BootInfo&, bool, abi::SharedInfo*& out) override {
        abi::AddToPhysmap map{};
        map.domid = abi::k_domid_self;
        map.space = abi::raw(abi::MapSpace::shared_info);
        map.idx = 0;
        map.gpfn = physical(shared_info_slot) / k_page_size;
        const long rc = hv::memory_op(abi::MemoryOp::add_to_physmap, &map);
        if (rc == 0) out = reinterpret_cast<abi::SharedInfo*>(shared_info_slot);
        return rc;
    }

    long find_console_ring(const BootInfo& boot, bool, ConsoleRingPlace& out) override {
        if (boot.is_initial_domain()) return error(abi::Errno::enoent);
        uint64_t pfn = 0, port = 0;
        long rc = get_param(abi::HvmParamIndex::console_pfn, pfn);
        if (rc < 0) return rc;
        if (pfn == 0) return error(abi::Errno::enoent);
        if (pfn >= k_4gib / k_page_size) return error(abi::Errno::erange);
        rc = get_param(abi::HvmParamIndex::console_evtchn, port);
        if (rc < 0) return rc;
        out.frame = pfn;
        out.port = static_cast<uint32_t>(port);
        out.ring = reinterpret_cast<abi::ConsoleRing*>(pfn * k_page_size); // identity map
        return 0;
    }

    long console_write(const char* data, size_t size) override {
        return hv::console_io(abi::ConsoleIoOp::write, size, data);
    }
    long console_read(char* buffer, size_t capacity) override {
        return hv::console_io(abi::ConsoleIoOp::read, capacity, buffer);
    }

    // The upcall vector is an interrupt: RFLAGS.IF is the mask (Xen ignores
    // evtchn_upcall_mask for hardware containers).
    void mask_events(abi::VcpuInfo*) override { asm volatile("cli" ::: "memory"); }

    // An interrupt pending at sti is taken after the next instruction.
    void deliver_pending(abi::VcpuInfo*) override { asm volatile("sti; nop; cli" ::: "memory"); }

    // sti's one-instruction interrupt shadow covers the hlt: an upcall that
    // is already pending wakes it at once rather than being lost.
    long block(abi::VcpuInfo*, uint64_t deadline) override {
        if (deadline != 0) {
            abi::VcpuSetSingleshotTimer timer{deadline, 0, 0};
            const long rc = hv::vcpu_op(abi::VcpuOp::set_singleshot_timer, 0, &timer);
            if (rc < 0) return rc;
        }
        asm volatile("sti; hlt; cli" ::: "memory");
        return 0;
    }

    bool fault_address(const abi::VcpuInfo*, uint64_t& out) const override {
        asm volatile("mov %%cr2, %0" : "=r"(out));
        return true;
    }

    long shutdown(abi::ShutdownReason reason) override { return hv::shutdown(reason); }

private:
    static long get_param(abi::HvmParamIndex index, uint64_t& value) {
        abi::HvmParam param{abi::k_domid_self, 0, abi::raw(index), 0};
        const long rc = hv::hvm_op(abi::HvmOp::get_param, &param);
        if (rc == 0) value = param.value;
        return rc;
    }
};

PvhPlatform pvh;

} // namespace

// arch/start32.S, in 64-bit mode on the boot stack: `boot_mode` says which
// 32-bit entry ran; `info` is hvm_start_info's (PVH) or the multiboot
// information's (bare metal) physical address.
extern "C" [[noreturn]] void minios_start_hvm(uint32_t boot_mode, uint64_t info) {
    run_constructors();
    if (boot_mode == MINIOS_BOOT_MODE_NATIVE) start_native(info);

    xen_leaves = find_xen_leaves();
    if (xen_leaves.base == 0) {
        debug_port_write("minios: PVH entry without Xen CPUID leaves; halting\n");
        halt_forever();
    }
    wrmsr(xen_leaves.hypercall_msr, physical(hypercall_page));
    const char* problem = parse_hvm_start_info(info, kernel().boot);
    start_kernel(pvh, problem);
}

} // namespace minios
