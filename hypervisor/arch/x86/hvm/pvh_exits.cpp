#include "arch/x86/hvm/pvh_exits.hpp"

#include "arch/x86/paging.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "lib/log.hpp"

#include <cstring>

namespace pv::x86::hvm {

namespace {

constexpr uint16_t k_debug_port = 0xe9; // Bochs' and Xen's debug console

void debug_port_write(Vcpu& v, PvhDomain& pd, char ch) {
    const bool end = ch == '\n' || pd.debug_length + 1 >= PvhDomain::k_debug_line;
    if (ch != '\n' && ch != '\r') pd.debug_line[pd.debug_length++] = ch;
    if (!end) return;
    pd.debug_line[pd.debug_length] = '\0';
    log_info("d{}: {}", v.domain().id(), static_cast<const char*>(pd.debug_line));
    pd.debug_length = 0;
}

} // namespace

// No devices behind ports (DESIGN.md §1): reads see all-ones, as on a bus
// where nothing answers; writes go nowhere, except the debug port's, which
// reach the hypervisor log. String forms are stepped over the same way.
bool pvh_io(Vcpu& v, Container& c, const Exit& exit) {
    PvhDomain* pd = pvh_environment().domain_of(v.domain());
    GuestRegisters& r = c.registers();
    if (exit.io.in && !exit.io.string) {
        const uint64_t mask = exit.io.size == 4 ? 0xffffffffull : (1ull << (8 * exit.io.size)) - 1;
        // IN to EAX zero-extends into RAX; to AL/AX only those bits change.
        r.rax = exit.io.size == 4 ? mask : (r.rax & ~mask) | mask;
    } else if (!exit.io.in && !exit.io.string && exit.io.port == k_debug_port && pd) {
        debug_port_write(v, *pd, static_cast<char>(r.rax & 0xff));
    }
    if (exit.instruction_length == 0) {
        pvh_crash(v, c, "port access of unknown length");
        return false;
    }
    c.advance_past(exit);
    return true;
}

Status pvh_write_hypercall_page(PvhDomain& pd, uint64_t gfn) {
    Result<uint64_t> mfn = pd.machine_frame(gfn);
    if (!mfn) return Errno::einval;
    uint8_t instruction[3];
    pd.backend().hypercall_instruction(instruction);
    auto* page = static_cast<uint8_t*>(phys_to_virt(*mfn << 12));
    // Xen's HVM hypercall page: stub N at 32 * N is `mov $N, %eax`, the
    // vendor's hypercall instruction, `ret`; the rest of each slot int3.
    memset(page, 0xcc, 4096);
    for (uint32_t n = 0; n < 4096 / 32; ++n) {
        uint8_t* stub = page + 32 * n;
        stub[0] = 0xb8;
        memcpy(stub + 1, &n, 4);
        memcpy(stub + 5, instruction, 3);
        stub[8] = 0xc3;
    }
    return Status::ok();
}

void pvh_crash(Vcpu& v, Container& c, const char* why) {
    const Container::Snapshot s = c.snapshot();
    const GuestRegisters& r = s.registers;
    const DomainId id = v.domain().id();
    log_error("d{}v{}: {}", id, v.id(), why);
    log_error("d{}v{}: rip {:#018x} rsp {:#018x} rflags {:#x} cs {:#x} ss {:#x}", id, v.id(), s.rip,
              s.rsp, s.rflags, s.cs, s.ss);
    log_error("d{}v{}: rax {:#018x} rbx {:#018x} rcx {:#018x} rdx {:#018x}", id, v.id(), r.rax, r.rbx,
              r.rcx, r.rdx);
    log_error("d{}v{}: rsi {:#018x} rdi {:#018x} rbp {:#018x} r8  {:#018x}", id, v.id(), r.rsi, r.rdi,
              r.rbp, r.r8);
    log_error("d{}v{}: r9  {:#018x} r10 {:#018x} r11 {:#018x} r12 {:#018x}", id, v.id(), r.r9, r.r10,
              r.r11, r.r12);
    log_error("d{}v{}: r13 {:#018x} r14 {:#018x} r15 {:#018x}", id, v.id(), r.r13, r.r14, r.r15);
    log_error("d{}v{}: cr0 {:#x} cr3 {:#x} cr4 {:#x} efer {:#x}", id, v.id(), s.paging.cr0,
              s.paging.cr3, s.paging.cr4, s.paging.efer);
    pvh_environment().services->domain_crash(v.domain(), why);
}

} // namespace pv::x86::hvm
