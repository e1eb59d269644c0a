// An iret hypercall to a context whose CS or SS does not load (Xen's x86-64
// PV semantics, as in Xen 4.17): the hypervisor's own return to the guest
// faults, and it delivers #GP (vector 13) through the guest's trap table
// with the failed context as the trap frame:
//     rip, rsp, rflags  the iret context's
//     cs                the iret context's, RPL cleared when returning to
//                       kernel mode, saved event mask 1 in bits 39:32
//     ss                the iret context's (RPL 3)
//     error code        the bad CS's selector index (0x8 for 0x0008/0x000b),
//                       0 for a null SS
//     rax, rcx, r11     the iret context's
// The failsafe callback is not used on this path (a domain without a #GP
// handler is crashed). test/iret_fault_probe.S makes the iret; the trap hook
// catches the #GP at the probe's rip and resumes the kernel. A test failsafe
// callback is registered meanwhile so that a hypervisor using it is reported
// rather than crashing the run; minios' own is put back afterwards.
#include "arch/hypercall.hpp"
#include "test/groups.hpp"

namespace minios::test {
namespace {

extern "C" {
uint64_t iret_fault_probe(const abi::IretContext* ctx);
void iret_fault_probe_unreached();
void iret_fault_probe_failsafe();
extern uint64_t iret_fault_probe_failsafe_hits;
[[noreturn]] void iret_fault_probe_resume(uint64_t code);
}

constexpr uint64_t k_vector_gp = 13;
constexpr uint64_t k_rflags_if = 1u << 9;

bool trap_seen = false;
TrapFrame trap_frame;
bool on_trap(TrapFrame& frame) {
    if (trap_seen || frame.rip != reinterpret_cast<uintptr_t>(&iret_fault_probe_unreached))
        return false;
    trap_seen = true;
    trap_frame = frame;
    iret_fault_probe_resume(2);
}

// The stack the kernel-mode probes "return" to.
alignas(16) uint8_t probe_stack[4096];

struct Probe {
    const char* name;
    uint64_t cs, ss;         // what the iret context asks for
    uint64_t want_cs;        // the selector the #GP frame must hold
    uint64_t want_error;     // the #GP error code
};

void run_probe(Checker& c, const Probe& p) {
    char label[112];
    auto name = [&](const char* what) {
        pv::format(label, sizeof label, "iret-fault {}: {}", p.name, what);
        return pv::StringView(label, __builtin_strlen(label));
    };
    iret_fault_probe_failsafe_hits = 0;
    trap_seen = false;

    abi::IretContext ctx{};
    ctx.rax = 0x0a0a0a0a0a0a0a0a;
    ctx.r11 = 0x1111111111111111;
    ctx.rcx = 0x1c1c1c1c1c1c1c1c;
    ctx.flags = 0; // restore rcx and r11 too
    ctx.rip = reinterpret_cast<uintptr_t>(&iret_fault_probe_unreached);
    ctx.cs = p.cs;
    ctx.rflags = 0x2; // IF clear: events stay masked
    ctx.rsp = reinterpret_cast<uintptr_t>(probe_stack + sizeof probe_stack) - 24; // not 16-aligned
    ctx.ss = p.ss;
    const uint64_t ret = iret_fault_probe(&ctx);

    if (!c.check(ret == 2 && trap_seen && iret_fault_probe_failsafe_hits == 0,
                 name("#GP delivered to the trap handler"),
                 "probe returned {}, {} failsafe callbacks (the failsafe callback is not "
                 "Xen's behaviour here)",
                 ret, iret_fault_probe_failsafe_hits))
        return;
    const TrapFrame& t = trap_frame;
    println("minios-test: iret-fault {}: vector {} error code {:#x} rip {:#x} cs {:#x} rflags {:#x} "
            "rsp {:#x} ss {:#x}",
            p.name, t.vector, t.error_code, t.rip, t.cs, t.rflags, t.rsp, t.ss);
    c.check(t.vector == k_vector_gp, name("vector 13 (#GP)"), "vector {}", t.vector);
    c.check(t.error_code == p.want_error, name("error code"), "error code {:#x}, expected {:#x}",
            t.error_code, p.want_error);
    c.check(t.rip == ctx.rip, name("frame rip is the iret context's"), "rip {:#x}, expected {:#x}",
            t.rip, ctx.rip);
    c.check(t.selector() == p.want_cs, name("frame cs is the iret context's"),
            "cs {:#x}, expected {:#x}", t.selector(), p.want_cs);
    c.check(t.saved_event_mask() == 1 && (t.cs >> 40) == 0 && ((t.cs >> 16) & 0xffff) == 0,
            name("frame cs carries saved event mask 1"), "cs {:#x}", t.cs);
    c.check((t.ss & 0xffff) == (p.ss | 3) && (t.ss >> 16) == 0, name("frame ss is the iret context's"),
            "ss {:#x}, expected {:#x}", t.ss, p.ss | 3);
    c.check(t.rsp == ctx.rsp, name("frame rsp is the iret context's"), "rsp {:#x}, expected {:#x}",
            t.rsp, ctx.rsp);
    c.check((t.rflags & k_rflags_if) == 0 && (t.rflags & 2) != 0,
            name("frame rflags.IF 0 (events were masked)"), "rflags {:#x}", t.rflags);
    c.check(t.rax == ctx.rax && t.rcx == ctx.rcx && t.r11 == ctx.r11,
            name("rax, rcx and r11 are the iret context's"), "rax {:#x} rcx {:#x} r11 {:#x}", t.rax,
            t.rcx, t.r11);
}

} // namespace

void test_iret_fault(Kernel& k, Checker& c) {
    long rc = hv::register_callback(abi::CallbackType::failsafe, iret_fault_probe_failsafe,
                                    abi::k_callbackf_mask_events);
    if (!c.expect(rc, 0, "callback_op register a test failsafe callback")) return;
    k.trap_hook = on_trap;

    // 0x0008 / 0x000b: entry 1 of the guest's GDT part, which minios never
    // fills (no set_gdt): #GP with error code 0x8. 0xe030 | 3 is the flat
    // code selector; SS 0x0003 is null, which IRETQ refuses to CPL 3: #GP(0).
    constexpr uint64_t kcs = abi::k_flat_kernel_cs & ~uint64_t(3);
    const Probe kernel_probes[] = {
        {"kernel cs 0x0008", 0x0008, abi::k_flat_kernel_ss, 0x0008, 0x8},
        {"kernel ss 0x0003", kcs, 0x0003, kcs, 0},
    };
    for (const Probe& p : kernel_probes) run_probe(c, p);

    if (k.user.prepare(k.boot, k.pages, k.pv_mmu) == 0) {
        run_probe(c, {"user cs 0x000b", 0x000b, abi::k_flat_user_ss, 0x000b, 0x8});
        run_probe(c, {"user ss 0x0003", abi::k_flat_user_cs, 0x0003, abi::k_flat_user_cs, 0});
    } else {
        c.skip("iret-fault user cs 0x000b", "user mode not available");
        c.skip("iret-fault user ss 0x0003", "user mode not available");
    }

    k.trap_hook = nullptr;
    rc = hv::register_callback(abi::CallbackType::failsafe, minios_failsafe_callback,
                               abi::k_callbackf_mask_events);
    c.expect(rc, 0, "callback_op register minios' failsafe callback again");
    if (const abi::VcpuInfo* v = k.events.vcpu_info())
        c.check(v->evtchn_upcall_mask == 1, "events still masked after the #GPs");
}

} // namespace minios::test
