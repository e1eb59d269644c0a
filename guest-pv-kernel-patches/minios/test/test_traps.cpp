// Exceptions provoked on purpose, to check the bounce frame the hypervisor
// builds (arch/frame.hpp) and the return through the iret hypercall.
#include "arch/hypercall.hpp"
#include "test/groups.hpp"

namespace minios::test {
namespace {

constexpr uint64_t k_rflags_if = 1u << 9;

// What the next trap should look like, filled in by the provoking asm
// right before the faulting instruction.
struct Expectation {
    uint64_t vector;
    uint64_t rip;    // the rip the frame must hold
    uint64_t resume; // where to continue
    uint64_t rsp;    // rsp just before the faulting instruction
    bool hit;
    TrapFrame seen;
};
Expectation expected;

bool on_trap(TrapFrame& frame) {
    if (expected.hit || frame.vector != expected.vector || frame.rip != expected.rip) return false;
    expected.hit = true;
    expected.seen = frame;
    frame.rip = expected.resume;
    return true;
}

// Emits: record the expected rip (label 1 for a fault, the instruction
// itself; label 2 for a trap, the one after it), the resume address (label
// 2) and rsp; then `before`, the provoking `instruction`, label 2, `after`.
#define PROVOKE(vector_, rip_at, before, instruction, after, ...)                                  \
    do {                                                                                           \
        expected = Expectation{};                                                                  \
        expected.vector = (vector_);                                                               \
        asm volatile("leaq " rip_at "(%%rip), %%rax\n\t"                                           \
                     "movq %%rax, %[rip]\n\t"                                                      \
                     "leaq 2f(%%rip), %%rax\n\t"                                                   \
                     "movq %%rax, %[resume]\n\t"                                                   \
                     "movq %%rsp, %[rsp]\n\t" before "\n"                                          \
                     "1:\t" instruction "\n"                                                       \
                     "2:\t" after "\n"                                                             \
                     : [rip] "=m"(expected.rip), [resume] "=m"(expected.resume),                   \
                       [rsp] "=m"(expected.rsp)__VA_OPT__(, ) __VA_ARGS__                          \
                     :                                                                             \
                     : "rax", "rcx", "rdx", "r11", "memory");                                      \
    } while (0)

// Common checks on the frame of the trap just provoked from kernel mode.
void check_frame(Checker& c, const char* name, uint64_t error_code) {
    char label[80];
    if (!c.check(expected.hit,
                 pv::StringView(label, pv::format(label, sizeof label, "{} delivered", name)),
                 "the handler did not see the expected vector/rip"))
        return;
    const TrapFrame& f = expected.seen;
    pv::format(label, sizeof label, "{} error code", name);
    c.check(f.error_code == error_code, label, "{:#x}, expected {:#x}", f.error_code, error_code);
    pv::format(label, sizeof label, "{} cs is the flat code selector, RPL 0 (kernel)", name);
    c.check(f.selector() == (abi::k_flat_kernel_cs & ~3), label, "cs {:#x}", f.cs);
    pv::format(label, sizeof label, "{} saved event mask 1 and rflags.IF 0", name);
    c.check(f.saved_event_mask() == 1 && (f.rflags & k_rflags_if) == 0, label,
            "cs {:#x} rflags {:#x}", f.cs, f.rflags);
    pv::format(label, sizeof label, "{} rsp and ss of the interrupted context", name);
    c.check(f.rsp == expected.rsp && (f.ss & 0xffff) == abi::k_flat_kernel_ss, label,
            "rsp {:#x} (expected {:#x}) ss {:#x}", f.rsp, expected.rsp, f.ss);
}

void test_invalid_opcode(Checker& c) {
    uint64_t rcx_after = 0, r11_after = 0;
    PROVOKE(6, "1f", "movabsq $0x1c1c1c1c1c1c1c1c, %%rcx\n\tmovabsq $0x1111111111111111, %%r11",
            "ud2", "movq %%rcx, %[rcx_after]\n\tmovq %%r11, %[r11_after]",
            [rcx_after] "=m"(rcx_after), [r11_after] "=m"(r11_after));
    check_frame(c, "#UD", 0);
    c.check(expected.seen.rcx == 0x1c1c1c1c1c1c1c1c && expected.seen.r11 == 0x1111111111111111,
            "#UD frame carries the interrupted rcx and r11", "rcx {:#x} r11 {:#x}",
            expected.seen.rcx, expected.seen.r11);
    c.check(rcx_after == 0x1c1c1c1c1c1c1c1c && r11_after == 0x1111111111111111,
            "rcx and r11 survive the trap and the iret hypercall", "rcx {:#x} r11 {:#x}", rcx_after,
            r11_after);
}

void test_divide_error(Checker& c) {
    PROVOKE(0, "1f", "xorl %%edx, %%edx\n\txorl %%ecx, %%ecx\n\tmovl $1, %%eax", "divl %%ecx", "");
    check_frame(c, "#DE", 0);
}

void test_breakpoint(Checker& c) {
    PROVOKE(3, "2f", "", "int3", "");
    check_frame(c, "#BP (rip after int3)", 0);
}

void test_general_protection(Checker& c) {
    PROVOKE(13, "1f", "movabsq $0x8000000000000000, %%rdx", "movq (%%rdx), %%rax", "");
    check_frame(c, "#GP (non-canonical address)", 0);
}

void test_page_fault(Checker& c, const Events& events) {
    PROVOKE(14, "1f", "movl $0x1000, %%edx", "movq (%%rdx), %%rax", "");
    // Not present, read, and "supervisor": the hypervisor reports faults in
    // guest kernel mode without the user bit although the CPU was in ring 3.
    check_frame(c, "#PF (read of an unmapped page)", 0);
    if (const abi::VcpuInfo* v = events.vcpu_info())
        c.check(v->arch.cr2 == 0x1000, "#PF address in vcpu_info.arch.cr2", "cr2 {:#x}",
                v->arch.cr2);
    else
        c.skip("#PF address in vcpu_info.arch.cr2", "shared_info not mapped");
}

void test_device_not_available(Checker& c) {
    if (hv::fpu_taskswitch(true) != 0) {
        c.skip("#NM after fpu_taskswitch(1)", "fpu_taskswitch failed");
        return;
    }
    PROVOKE(7, "1f", "", "fnop", "");
    check_frame(c, "#NM after fpu_taskswitch(1)", 0);
    c.expect(hv::fpu_taskswitch(false), 0, "fpu_taskswitch(0) after #NM");
    PROVOKE(7, "1f", "", "fnop", "");
    c.check(!expected.hit, "x87 runs after fpu_taskswitch(0)");
}

} // namespace

void test_traps(Kernel& k, Checker& c) {
    k.trap_hook = on_trap;
    test_invalid_opcode(c);
    test_divide_error(c);
    test_breakpoint(c);
    test_general_protection(c);
    test_page_fault(c, k.events);
    test_device_not_available(c);
    k.trap_hook = nullptr;
    if (const abi::VcpuInfo* v = k.events.vcpu_info())
        c.check(v->evtchn_upcall_mask == 1, "events still masked after the traps");
}

} // namespace minios::test
