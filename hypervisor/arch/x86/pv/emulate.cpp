#include "arch/x86/pv/emulate.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/pv/pv_vcpu.hpp"
#include "core/domain/domain.hpp"
#include "core/hvm/xen_leaves.hpp"
#include "core/pv_hypercalls/common.hpp"
#include "include/public/xen_cpuid.hpp"

namespace pv::x86 {

namespace {

constexpr unsigned k_max_instruction = 15;
constexpr uint32_t k_xen_version = (4u << 16) | 17u;

struct ReservedPorts {
    uint16_t first, count;
};
// Legacy PIC and PIT are the hypervisor's; console UARTs are added at boot.
ReservedPorts reserved_ports[8] = {{0x20, 2}, {0xa0, 2}, {0x40, 4}};
unsigned reserved_count = 3;

// Xen's guest_io_okay without an I/O bitmap: the virtual IOPL (physdev_op
// set_iopl) must admit the caller, where the guest kernel counts as ring 1
// (ring 0 with VMASST architectural_iopl) and guest user as ring 3. If not,
// the access is a #GP.
bool iopl_admits(const Vcpu& v) {
    unsigned cpl = 3;
    if (v.pv.kernel_mode) cpl = pvh::vm_assist_enabled(v.domain(), abi::VmAssistType::architectural_iopl) ? 0 : 1;
    return v.pv.iopl >= cpl;
}

// Xen's admin_io_okay: whether the domain may reach the port itself.
bool port_allowed(const Vcpu& v, uint16_t port, unsigned size) {
    if (!v.domain().io_ports_allowed) return false;
    for (unsigned i = 0; i < reserved_count; ++i) {
        const ReservedPorts& r = reserved_ports[i];
        if (port + size > r.first && port < r.first + r.count) return false;
    }
    return true;
}

// General register by its x86 encoding (0 = RAX ... 15 = R15).
uint64_t& reg(TrapFrame& f, unsigned index) {
    switch (index & 15) {
    case 0: return f.rax;
    case 1: return f.rcx;
    case 2: return f.rdx;
    case 3: return f.rbx;
    case 4: return f.rsp;
    case 5: return f.rbp;
    case 6: return f.rsi;
    case 7: return f.rdi;
    case 8: return f.r8;
    case 9: return f.r9;
    case 10: return f.r10;
    case 11: return f.r11;
    case 12: return f.r12;
    case 13: return f.r13;
    case 14: return f.r14;
    default: return f.r15;
    }
}

// The instruction bytes at the guest's RIP (fewer near an unmapped page).
// The instruction bytes at RIP, as many as are mapped up to the longest
// instruction. Mappings come in pages, so one software walk covers the
// window unless it crosses into a page that is not mapped: then the bytes
// up to the page's end are what there is (a walk per byte would cost a
// trap-and-emulate thousands of instructions).
unsigned fetch(Vcpu& v, const TrapFrame& f, uint8_t* bytes) {
    PvGuestSpace space = guest_space_of(v);
    if (space.copy_from(f.rip, bytes, k_max_instruction)) return k_max_instruction;
    const uint64_t to_page_end = 4096 - (f.rip & 4095);
    if (to_page_end >= k_max_instruction) return 0; // the window's one page is not mapped
    const unsigned n = static_cast<unsigned>(to_page_end);
    return space.copy_from(f.rip, bytes, n) ? n : 0;
}

bool emulate_io(Vcpu& v, TrapFrame& f, const uint8_t* b, unsigned n, unsigned prefix_len, bool operand16) {
    if (n <= prefix_len) return false;
    uint8_t op = b[prefix_len];
    bool immediate = op >= 0xe4 && op <= 0xe7;
    bool dx_form = op >= 0xec && op <= 0xef;
    if (!immediate && !dx_form) return false;
    if (immediate && n < prefix_len + 2) return false;
    uint16_t port = immediate ? b[prefix_len + 1] : static_cast<uint16_t>(f.rdx);
    unsigned size = (op & 1) ? (operand16 ? 2 : 4) : 1;
    bool is_in = (op & 2) == 0;
    if (!iopl_admits(v)) return false;
    // A port the domain may not reach (the hypervisor's own, or no I/O rights
    // at all) is no fault: reads see all ones and writes are dropped, as in
    // Xen's guest_io_read/guest_io_write (which also emulate PIT channel 2,
    // the RTC and PCI config for Dom0; we do not yet).
    const bool reachable = port_allowed(v, port, size);
    if (is_in) {
        uint32_t value = 0xffffffffu; // what an unreachable port reads as
        if (reachable) {
            if (size == 1) asm volatile("inb %w1, %b0" : "=a"(value) : "Nd"(port));
            else if (size == 2) asm volatile("inw %w1, %w0" : "=a"(value) : "Nd"(port));
            else asm volatile("inl %w1, %0" : "=a"(value) : "Nd"(port));
        }
        uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
        if (size == 4)
            f.rax = value;
        else
            f.rax = (f.rax & ~mask) | (value & mask);
    } else if (reachable) {
        if (size == 1) asm volatile("outb %b0, %w1" ::"a"(f.rax), "Nd"(port));
        else if (size == 2) asm volatile("outw %w0, %w1" ::"a"(f.rax), "Nd"(port));
        else asm volatile("outl %0, %w1" ::"a"(uint32_t(f.rax)), "Nd"(port));
    }
    f.rip += prefix_len + (immediate ? 2 : 1);
    return true;
}

// MSRs a PV guest may read or write (Xen lets PV kernels reach their own
// segment bases this way); anything else is #GP.
bool emulate_msr(Vcpu& v, TrapFrame& f, bool write) {
    uint32_t index = static_cast<uint32_t>(f.rcx);
    uint64_t value = (f.rdx << 32) | uint32_t(f.rax);
    PvVcpuState& pv = v.pv;
    auto give = [&](uint64_t r) {
        f.rax = uint32_t(r);
        f.rdx = r >> 32;
    };
    switch (index) {
    case msr::fs_base:
        if (write) { pv.fs_base = value; wrmsr(msr::fs_base, value); } else give(rdmsr(msr::fs_base));
        return true;
    case msr::gs_base: // the live GS base is in KERNEL_GS_BASE while we run
        if (write) wrmsr(msr::kernel_gs_base, value); else give(rdmsr(msr::kernel_gs_base));
        return true;
    case msr::kernel_gs_base: // the other mode's GS base
        if (pv.kernel_mode) { if (write) pv.gs_base_user = value; else give(pv.gs_base_user); }
        else { if (write) pv.gs_base_kernel = value; else give(pv.gs_base_kernel); }
        return true;
    case msr::efer:
        if (write) return false;
        give((1u << 0) | (1u << 8) | (1u << 10) | (1u << 11)); // SCE, LME, LMA, NXE
        return true;
    case 0x277: // IA32_PAT: the power-on default the guest's mappings assume
        if (write) return false;
        give(0x0007040600070406ull);
        return true;
    default:
        return false;
    }
}

bool emulate_control_register(Vcpu& v, TrapFrame& f, const uint8_t* b, unsigned n, unsigned rex) {
    // 0F 20 /r: mov from CRn; 0F 22 /r: mov to CRn; 0F 06: clts.
    if (n >= 2 && b[0] == 0x0f && b[1] == 0x06) {
        v.pv.fpu_ts = false;
        write_cr0(read_cr0() & ~uint64_t(1u << 3));
        f.rip += 2;
        return true;
    }
    if (n < 3 || b[0] != 0x0f || (b[1] != 0x20 && b[1] != 0x22) || (b[2] >> 6) != 3) return false;
    unsigned cr = ((b[2] >> 3) & 7) | ((rex & 4) ? 8 : 0);
    uint64_t& gpr = reg(f, (b[2] & 7) | ((rex & 1) ? 8 : 0));
    if (b[1] == 0x20) {
        if (cr == 0) gpr = 0x80050033ull | (v.pv.fpu_ts ? 8 : 0); // PE MP ET NE WP AM PG
        // Xen's read_cr: CR2 is the address of the last page fault delivered
        // to the guest; CR3 the kernel's base pointer (a machine address:
        // nothing is translated for a PV guest).
        else if (cr == 2) gpr = vcpu_info_of(v).arch.cr2;
        else if (cr == 3) gpr = v.pv.kernel_cr3;
        else if (cr == 4) gpr = read_cr4() & ((1u << 5) | (1u << 7) | (1u << 9) | (1u << 10));
        else return false;
    } else if (cr == 4) {
        // Xen's pv_fixup_guest_cr4: a guest may choose only TSD, DE,
        // FSGSBASE and OSXSAVE, within its CPUID policy, and anything else it
        // writes is discarded, never a fault. Our policy hides DE, FSGSBASE
        // and XSAVE, and TSD is not context-switched yet: nothing to keep.
    } else {
        if (cr != 0) return false;
        // Only TS may change (Xen: other CR0 writes by a PV guest are refused).
        uint64_t current = 0x80050033ull | (v.pv.fpu_ts ? 8 : 0);
        if ((gpr ^ current) & ~uint64_t(8)) return false;
        v.pv.fpu_ts = gpr & 8;
        uint64_t cr0 = read_cr0();
        write_cr0(v.pv.fpu_ts ? cr0 | 8 : cr0 & ~uint64_t(8));
    }
    f.rip += 3;
    return true;
}

bool emulate_software_interrupt(Vcpu& v, TrapFrame& f, const uint8_t* b, unsigned n) {
    if (n < 2 || b[0] != 0xcd) return false;
    uint8_t vec = b[1];
    const abi::TrapInfo& trap = v.pv.traps[vec];
    // The gate's DPL (flags bits 0-1) must admit the caller: the guest
    // kernel counts as ring 0 for this check, guest user as ring 3.
    unsigned caller_ring = v.pv.kernel_mode ? 0 : 3;
    if (trap.address == 0 || (trap.flags & 3) < caller_ring) return false;
    f.rip += 2;
    if (!bounce_to_guest(v, f, trap.address, trap.flags & 4, false, 0)) crash_domain(v, f, "cannot write the bounce frame for int N");
    return true;
}

} // namespace

void reserve_hypervisor_io_port(uint16_t first, uint16_t count) {
    if (reserved_count < sizeof reserved_ports / sizeof reserved_ports[0]) reserved_ports[reserved_count++] = {first, count};
}

CpuidLeaf guest_cpuid(const Vcpu& v, uint32_t leaf, uint32_t subleaf) {
    if (hvm::is_hypervisor_leaf(leaf)) {
        // Xen's leaves, the same for PV and PVH guests (core/hvm/xen_leaves).
        const hvm::CpuidLeaf x =
            hvm::xen_leaf({hvm::GuestKind::pv, v.id(), v.domain().id(), k_xen_version}, leaf, subleaf);
        return {x.eax, x.ebx, x.ecx, x.edx};
    }
    CpuidResult h = cpuid(leaf, subleaf);
    CpuidLeaf r{h.eax, h.ebx, h.ecx, h.edx};
    switch (leaf) {
    case 1:
        // Hide VMX, SMX, EST, TM2, MONITOR, PCID, x2APIC, TSC-deadline, XSAVE,
        // OSXSAVE, AVX; say "hypervisor present" (bit 31).
        r.ecx &= ~((1u << 3) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 17) |
                   (1u << 21) | (1u << 24) | (1u << 26) | (1u << 27) | (1u << 28));
        r.ecx |= 1u << 31;
        // Hide VME, DE, PSE, MCE, MTRR, PGE, MCA, PSE36, DS, ACPI, TM, PBE.
        r.edx &= ~((1u << 1) | (1u << 2) | (1u << 3) | (1u << 7) | (1u << 12) | (1u << 13) |
                   (1u << 14) | (1u << 17) | (1u << 21) | (1u << 22) | (1u << 29) | (1u << 31));
        r.ebx = (r.ebx & 0x0000ffffu) | (v.id() << 24) | (1u << 16);
        break;
    case 7:
        if (subleaf == 0) {
            // Keep BMI1/2, ERMS, ADX, SHA-like computational bits; hide
            // FSGSBASE, SMEP/SMAP, INVPCID, RTM/HLE, MPX, AVX-512, PKU.
            r.ebx &= (1u << 3) | (1u << 8) | (1u << 9) | (1u << 18) | (1u << 19) | (1u << 29);
            r.ecx = 0;
            r.edx = 0;
        } else {
            r = {0, 0, 0, 0};
        }
        break;
    case 0xd:
        r = {0, 0, 0, 0}; // no XSAVE for PV guests yet
        break;
    case 0x80000001:
        r.ecx &= ~((1u << 2) | (1u << 3)); // SVM, extended APIC space
        r.edx &= ~(1u << 26);              // 1 GiB pages
        break;
    default:
        break;
    }
    return r;
}

bool emulate_forced_cpuid(Vcpu& v, TrapFrame& f) {
    uint8_t b[k_max_instruction];
    unsigned n = fetch(v, f, b);
    static constexpr uint8_t k_prefix[] = {0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2};
    if (n < sizeof k_prefix) return false;
    for (unsigned i = 0; i < sizeof k_prefix; ++i)
        if (b[i] != k_prefix[i]) return false;
    CpuidLeaf r = guest_cpuid(v, static_cast<uint32_t>(f.rax), static_cast<uint32_t>(f.rcx));
    f.rax = r.eax;
    f.rbx = r.ebx;
    f.rcx = r.ecx;
    f.rdx = r.edx;
    f.rip += sizeof k_prefix;
    return true;
}

bool emulate_privileged(Vcpu& v, TrapFrame& f) {
    uint8_t b[k_max_instruction];
    unsigned n = fetch(v, f, b);
    if (n == 0) return false;
    if (b[0] == 0xcd) return emulate_software_interrupt(v, f, b, n);
    if (!v.pv.kernel_mode) return false; // guest user gets the #GP
    unsigned prefix = 0;
    bool operand16 = false;
    unsigned rex = 0;
    while (prefix < n && (b[prefix] == 0x66 || b[prefix] == 0xf3 || b[prefix] == 0xf2)) operand16 |= b[prefix++] == 0x66;
    if (prefix < n && (b[prefix] & 0xf0) == 0x40) rex = b[prefix++] & 0xf;
    const uint8_t* op = b + prefix;
    unsigned left = n - prefix;
    if (emulate_io(v, f, b, n, prefix, operand16)) return true;
    if (left >= 2 && op[0] == 0x0f && (op[1] == 0x30 || op[1] == 0x32)) {
        if (!emulate_msr(v, f, op[1] == 0x30)) return false;
        f.rip += prefix + 2;
        return true;
    }
    if (left >= 1 && (op[0] == 0xfa || op[0] == 0xfb)) {
        // cli/sti with a virtual IOPL that admits the kernel: skipped, and the
        // event mask left alone (Xen's priv-op validate() finishes them as
        // no-ops; a guest masks events through vcpu_info). Else #GP.
        if (!iopl_admits(v)) return false;
        f.rip += prefix + 1;
        return true;
    }
    if (left >= 1 && op[0] == 0xf4) { // hlt: the vCPU waits for an event
        f.rip += prefix + 1;
        v.block_ends_on_upcall = true;
        v.state = VcpuState::blocked;
        return true;
    }
    if (emulate_control_register(v, f, op, left, rex)) {
        f.rip += prefix;
        return true;
    }
    return false;
}

} // namespace pv::x86
