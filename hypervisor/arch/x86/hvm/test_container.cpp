#include "arch/x86/hvm/test_container.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/hvm/test_container_support.hpp"

#include <cstring>

extern "C" const char hvm_test_guest_start[];
extern "C" const char hvm_test_guest_hypercall[];
extern "C" const char hvm_test_guest_end[];

namespace pv::x86 {

namespace {

// Guest-physical layout: code at 0x1000, the results at 0x3000, the stack
// below 0x4000 (test_container_guest.S).
constexpr uint64_t k_guest_frames = 4;
constexpr uint64_t k_code_gfn = 1;
constexpr uint64_t k_data_gfn = 3;

// What the host answers and what the guest must do with it.
constexpr uint32_t k_cpuid_eax = 0x11, k_cpuid_ebx = 0x61726150, k_cpuid_ecx = 0x656e6176,
                   k_cpuid_edx = 0x12345678; // "Para" "vane"
constexpr uint64_t k_hypercall_result = 0x600d;
constexpr uint32_t k_guest_magic = 0xc0ffee11;
constexpr uint32_t k_cr0_start = 0x11; // PE|ET: GuestMode::protected32_unpaged
constexpr uint32_t k_cr0_ne = 0x20;
constexpr unsigned k_max_exits = 32;

struct Expected {
    hvm::ExitReason reason;
    uint16_t port;  // io
    uint8_t size;   // io
    uint32_t value; // io: the value written; hypercall: the number
};
constexpr Expected k_expected[] = {
    {hvm::ExitReason::cpuid, 0, 0, 0},
    {hvm::ExitReason::io, 0x80, 1, k_cpuid_ecx & 0xff},
    {hvm::ExitReason::io, 0x510, 4, k_cpuid_edx},
    {hvm::ExitReason::hypercall, 0, 0, 0x2a},
    {hvm::ExitReason::hlt, 0, 0, 0},
};
constexpr unsigned k_expected_count = sizeof k_expected / sizeof k_expected[0];

using container_test::fail;

// Answers one exit like a (very small) hypervisor would and checks it is the
// one expected next. False ends the test.
bool handle(hvm::Container& c, const hvm::Exit& exit, const Expected& expected) {
    hvm::GuestRegisters& r = c.registers();
    if (exit.reason != expected.reason) {
        log_error("hvm: exit {} (code {:#x}) at rip {:#x}, expected {}", hvm::describe(exit.reason),
                  exit.vendor_code, c.rip(), hvm::describe(expected.reason));
        return fail("exits out of order");
    }
    if (exit.instruction_length == 0) return fail("unknown instruction length");
    switch (exit.reason) {
    case hvm::ExitReason::cpuid:
        if (r.rax != 0) return fail("cpuid leaf is not 0");
        r.rax = k_cpuid_eax, r.rbx = k_cpuid_ebx, r.rcx = k_cpuid_ecx, r.rdx = k_cpuid_edx;
        break;
    case hvm::ExitReason::io: {
        const uint32_t mask = exit.io.size == 4 ? 0xffffffffu : (1u << (8 * exit.io.size)) - 1;
        const uint32_t value = static_cast<uint32_t>(r.rax) & mask;
        log_debug("hvm: guest wrote {:#x} to port {:#x} ({} byte{})", value, exit.io.port,
                  exit.io.size, exit.io.size == 1 ? "" : "s");
        if (exit.io.in || exit.io.string || exit.io.port != expected.port ||
            exit.io.size != expected.size || value != expected.value)
            return fail("port write differs from the guest program's");
        break;
    }
    case hvm::ExitReason::hypercall:
        if (r.rax != expected.value || r.rbx != 0x11 || r.rcx != 0x22 || r.rdx != 0x33 ||
            r.rsi != 0x44 || r.rdi != 0x55)
            return fail("hypercall number or arguments differ");
        r.rax = k_hypercall_result;
        break;
    default:
        break;
    }
    c.advance_past(exit);
    return true;
}

bool run_guest(hvm::Container& c, unsigned& exits) {
    unsigned next = 0;
    for (unsigned runs = 0; runs < k_max_exits; ++runs) {
        const hvm::Exit exit = c.run();
        if (exit.reason == hvm::ExitReason::interrupt) {
            // Let the host take it, then go back in.
            enable_interrupts();
            cpu_relax();
            disable_interrupts();
            continue;
        }
        ++exits;
        log_debug("hvm: exit {} (code {:#x}), next rip {:#x}", hvm::describe(exit.reason),
                  exit.vendor_code, c.rip() + exit.instruction_length);
        if (next == k_expected_count) return fail("exit after the final hlt");
        if (!handle(c, exit, k_expected[next++])) return false;
        if (exit.reason == hvm::ExitReason::hlt) return true;
    }
    return fail("too many exits");
}

} // namespace

bool run_container_test(hvm::Backend* backend, FrameAllocator& frames) {
    if (backend == nullptr) {
        log_info("hvm: not available");
        return true;
    }
    Status enabled = backend->enable_this_cpu(0);
    if (!enabled && enabled.error() != Errno::ebusy)
        return fail("cannot enable hardware virtualization on the boot CPU");

    container_test::GuestFrames<k_guest_frames> memory(frames);
    if (!memory.allocate()) return fail("no frames for guest memory");
    const size_t code_size = static_cast<size_t>(hvm_test_guest_end - hvm_test_guest_start);
    uint8_t* code = memory.bytes(k_code_gfn);
    memcpy(code, hvm_test_guest_start, code_size);
    uint8_t hypercall[3];
    backend->hypercall_instruction(hypercall);
    memcpy(code + (hvm_test_guest_hypercall - hvm_test_guest_start), hypercall, sizeof hypercall);

    hvm::GuestStart start;
    start.mode = hvm::GuestMode::protected32_unpaged;
    start.rip = k_code_gfn << 12;
    start.rsp = k_guest_frames << 12;
    Result<hvm::Container*> created = backend->create(start);
    if (!created) return fail("cannot create a container");
    hvm::Container& container = **created;

    bool ok = container.map({0, memory.mfns(), k_guest_frames}).is_ok();
    unsigned exits = 0;
    if (!ok) fail("cannot map guest memory");
    if (ok) ok = run_guest(container, exits);
    if (ok) {
        // Read the guest's results through the nested table's host frame.
        Result<uint64_t> data = container.host_frame(k_data_gfn);
        const auto* words =
            data ? static_cast<const volatile uint32_t*>(phys_to_virt(*data << 12)) : nullptr;
        if (!data || *data != memory.mfns()[k_data_gfn])
            ok = fail("nested table maps the wrong frame");
        else if (words[0] != k_cpuid_ebx)
            ok = fail("guest memory lacks the cpuid answer");
        else if (words[1] != k_hypercall_result)
            ok = fail("guest memory lacks the hypercall result");
        else if (words[2] != k_guest_magic)
            ok = fail("guest memory lacks the final value");
        else if (words[3] != k_cr0_start || words[4] != (k_cr0_start | k_cr0_ne)) {
            log_error("hvm: guest CR0 {:#x} at start, {:#x} after setting NE", words[3], words[4]);
            ok = fail("the guest read back another CR0 than it had or wrote");
        }
        else if (container.paging().cr0 != (k_cr0_start | k_cr0_ne) || container.paging().cr4 != 0)
            ok = fail("the container reports other paging controls than the guest's");
        else if (container.can_inject_interrupt())
            ok = fail("an interrupt would be injected with RFLAGS.IF clear");
    }
    backend->destroy(&container);
    if (ok) log_info("hvm: self-test passed on {} ({} exits)", backend->name(), exits);
    return ok && run_container_interrupt_test(*backend, frames);
}

} // namespace pv::x86
