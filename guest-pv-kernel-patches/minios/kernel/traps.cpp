// The PV virtual IDT and callbacks, and what happens when a trap arrives
// (in every mode: arch/entry.S and arch/idt_entry.S both call minios_trap).
#include "arch/hypercall.hpp"
#include "kernel/kernel.hpp"

namespace minios {
namespace {

// arch/entry.S: (vector, entry) pairs ending with a zero entry.
struct TrapStub {
    uint64_t vector;
    void (*entry)();
};
extern "C" const TrapStub minios_trap_stubs[];

constexpr size_t k_max_traps = 32;
abi::TrapInfo trap_table[k_max_traps + 1]; // +1: the terminating zero entry

constexpr const char* vector_name(uint64_t vector) {
    switch (vector) {
    case 0:
        return "#DE divide error";
    case 1:
        return "#DB debug";
    case 3:
        return "#BP breakpoint";
    case 4:
        return "#OF overflow";
    case 5:
        return "#BR bound range";
    case 6:
        return "#UD invalid opcode";
    case 7:
        return "#NM device not available";
    case 10:
        return "#TS invalid TSS";
    case 11:
        return "#NP segment not present";
    case 12:
        return "#SS stack fault";
    case 13:
        return "#GP general protection";
    case 14:
        return "#PF page fault";
    case 16:
        return "#MF x87 error";
    case 17:
        return "#AC alignment check";
    case 18:
        return "#MC machine check";
    case 19:
        return "#XM SIMD error";
    case MINIOS_VECTOR_EVENT:
        return "event upcall";
    case MINIOS_VECTOR_SYSCALL:
        return "syscall";
    default:
        return "unknown";
    }
}

} // namespace

long install_pv_traps(const char*& what) {
    size_t n = 0;
    for (const TrapStub* stub = minios_trap_stubs; stub->entry != nullptr && n < k_max_traps;
         ++stub, ++n) {
        abi::TrapInfo& t = trap_table[n];
        t.vector = static_cast<uint8_t>(stub->vector);
        // int3 and into may come from user mode too (DPL 3); every handler
        // runs with events masked, like an interrupt gate clearing IF.
        const bool user_may_raise = stub->vector == 3 || stub->vector == 4;
        t.flags = static_cast<uint8_t>((user_may_raise ? 3 : 0) | abi::k_trap_info_mask_events);
        t.cs = abi::k_flat_kernel_cs;
        t.address = reinterpret_cast<uintptr_t>(stub->entry);
    }
    trap_table[n] = abi::TrapInfo{}; // address 0 ends the table

    what = "set_trap_table";
    long rc = hv::set_trap_table(trap_table);
    if (rc < 0) return rc;
    // The event callback always runs with events masked; ask the same for
    // the other two so that no upcall lands on a half-built frame.
    what = "callback_op(register event)";
    rc = hv::register_callback(abi::CallbackType::event, minios_event_callback, 0);
    if (rc < 0) return rc;
    what = "callback_op(register failsafe)";
    rc = hv::register_callback(abi::CallbackType::failsafe, minios_failsafe_callback,
                               abi::k_callbackf_mask_events);
    if (rc < 0) return rc;
    what = "callback_op(register syscall)";
    rc = hv::register_callback(abi::CallbackType::syscall, minios_syscall_callback,
                               abi::k_callbackf_mask_events);
    return rc;
}

const abi::TrapInfo* installed_trap_table() {
    return trap_table;
}

void print_trap_frame(const TrapFrame& f, const Events& events) {
    println("minios: {} (vector {}) error code {:#x} in guest {} mode", vector_name(f.vector),
            f.vector, f.error_code, f.from_user_mode() ? "user" : "kernel");
    println("  rip {:#018x} cs {:#06x} (saved event mask {}) rflags {:#x}", f.rip, f.selector(),
            f.saved_event_mask(), f.rflags);
    println("  rsp {:#018x} ss {:#06x}", f.rsp, f.ss);
    println("  rax {:#018x} rbx {:#018x} rcx {:#018x} rdx {:#018x}", f.rax, f.rbx, f.rcx, f.rdx);
    println("  rsi {:#018x} rdi {:#018x} rbp {:#018x} r8  {:#018x}", f.rsi, f.rdi, f.rbp, f.r8);
    println("  r9  {:#018x} r10 {:#018x} r11 {:#018x} r12 {:#018x}", f.r9, f.r10, f.r11, f.r12);
    println("  r13 {:#018x} r14 {:#018x} r15 {:#018x}", f.r13, f.r14, f.r15);
    if (f.vector == static_cast<uint64_t>(Vector::page_fault)) {
        uint64_t cr2 = 0;
        if (platform().fault_address(events.vcpu_info(), cr2))
            println("  cr2 {:#018x}", cr2);
        else
            println("  cr2 unknown (shared_info not mapped)");
    }
}

[[noreturn]] void crash_domain() {
    console().flush();
    const long rc = platform().shutdown(abi::ShutdownReason::crash);
    println("minios: sched_op(shutdown, crash) returned {}; spinning", rc);
    console().flush();
    for (;;)
        if (platform().mode() == BootMode::native)
            asm volatile("cli; hlt");
        else
            hv::sched_op(abi::SchedOp::yield);
}

// Called by arch/entry.S for every exception and for the event and syscall
// callbacks. Returns the flags for the iret hypercall.
extern "C" uint64_t minios_trap(TrapFrame* frame) {
    Kernel& k = kernel();
    switch (frame->vector) {
    case MINIOS_VECTOR_EVENT:
        k.events.on_upcall(*frame);
        return 0;
    case MINIOS_VECTOR_SYSCALL:
        k.user.on_syscall(*frame);
        return abi::k_vgcf_in_syscall;
    default:
        break;
    }
    if (k.trap_hook != nullptr && k.trap_hook(*frame)) return 0;
    k.user.on_exception(*frame); // returns only when no process was running
    println("minios: unhandled exception, crashing the domain");
    print_trap_frame(*frame, k.events);
    crash_domain();
}

// Called by arch/entry.S when the hypervisor could not load the segment
// registers of a context it was returning to.
extern "C" [[noreturn]] void minios_failsafe(FailsafeFrame* f) {
    println("minios: failsafe callback: the hypervisor could not restore segments");
    println("  ds {:#x} es {:#x} fs {:#x} gs {:#x}", f->ds, f->es, f->fs, f->gs);
    println("  rip {:#018x} cs {:#06x} rflags {:#x} rsp {:#018x} ss {:#06x}", f->rip,
            f->cs & 0xffff, f->rflags, f->rsp, f->ss);
    crash_domain();
}

} // namespace minios
