#include "guests/actions.hpp"

#include "arch/hypercall.hpp"
#include "guests/clock.hpp"
#include "guests/options.hpp"
#include "include/public/control.hpp"
#include "include/public/errno.hpp"
#include "include/public/hvm.hpp"
#include "kernel/kernel.hpp"

namespace minios::guests {
namespace {

// An address below every mapping minios has: PV maps nothing below
// VIRT_BASE, PVH and bare metal identity-map only the first 4 GiB
// (arch/start32.S).
constexpr uintptr_t k_unmapped_address = 0x7fff'ffff'f000;

const char* errno_name(long rc) {
    switch (static_cast<abi::Errno>(-rc)) {
    case abi::Errno::eperm:
        return "EPERM";
    case abi::Errno::eacces:
        return "EACCES";
    case abi::Errno::einval:
        return "EINVAL";
    case abi::Errno::efault:
        return "EFAULT";
    case abi::Errno::esrch:
        return "ESRCH";
    case abi::Errno::enosys:
        return "ENOSYS";
    default:
        return "errno";
    }
}

void report(pv::StringView name, const char* what, long rc) {
    if (rc >= 0)
        println("{}: {}: {} (allowed)", name, what, rc);
    else
        println("{}: {}: {} ({})", name, what, rc, errno_name(rc));
}

} // namespace

uint64_t Ending::next(uint64_t fallback) const {
    uint64_t at = fallback;
    if (crash_at != 0 && crash_at < at) at = crash_at;
    if (exit_at != 0 && exit_at < at) at = exit_at;
    return at;
}

Ending read_ending(pv::StringView command_line, uint64_t start) {
    Ending e;
    uint64_t seconds = 0;
    // start + 1 for 0 seconds: still "set" (0 means never).
    if (option_number(command_line, "crash-after", seconds))
        e.crash_at = start + seconds * k_ns_per_second + 1;
    if (option_number(command_line, "exit-after", seconds))
        e.exit_at = start + seconds * k_ns_per_second + 1;
    return e;
}

void end_if_due(const Ending& ending, uint64_t now, pv::StringView name) {
    if (ending.crash_at != 0 && now >= ending.crash_at) crash_on_purpose(name);
    if (ending.exit_at != 0 && now >= ending.exit_at) power_off(name);
}

[[noreturn]] void crash_on_purpose(pv::StringView name) {
    println("{}: crashing on purpose (write to {:#x} with no trap handlers)", name,
            k_unmapped_address);
    console().flush();
    platform().remove_trap_handlers();
    // Through a register, so the compiler cannot see (and drop) a store to
    // a constant address.
    uintptr_t address = k_unmapped_address;
    asm volatile("movb $1, (%0)" : "+r"(address)::"memory");
    println("{}: survived the write to {:#x}; crashing through sched_op", name, k_unmapped_address);
    crash_domain();
}

[[noreturn]] void power_off(pv::StringView name) {
    println("{}: powering off", name);
    console().flush();
    platform().shutdown(abi::ShutdownReason::poweroff);
    panic("sched_op(shutdown, poweroff) returned");
}

void probe_control(pv::StringView name) {
    abi::Domctl domctl{};
    domctl.cmd = abi::raw(abi::DomctlCmd::getdomaininfo);
    domctl.interface_version = abi::k_control_interface_version;
    domctl.domain = 0;
    report(name, "domctl", hv::call(abi::Hypercall::domctl, hv::ptr(&domctl)));

    abi::Sysctl sysctl{};
    sysctl.cmd = abi::raw(abi::SysctlCmd::physinfo);
    sysctl.interface_version = abi::k_control_interface_version;
    report(name, "sysctl", hv::call(abi::Hypercall::sysctl, hv::ptr(&sysctl)));
}

namespace {
// Addresses no guest buffer may be at: Xen's hypervisor hole, the first
// non-canonical address, a canonical one nothing maps, and (PVH only: the
// start of day maps guest-physical 0-4 GiB) one below 4 GiB beyond any
// small domain's RAM.
constexpr uint64_t k_hypervisor_address = 0xffff'8000'0000'1000;
constexpr uint64_t k_noncanonical_address = 0x0000'8000'0000'0000;
constexpr uint64_t k_missing_ram_address = 0xc000'0000;

void hostile(pv::StringView name, const char* where, uint64_t address) {
    char what[48];
    pv::format(what, sizeof what, "hostile xen_version {}", where);
    report(name, what, hv::call(abi::Hypercall::xen_version, abi::raw(abi::VersionOp::extraversion), address));
    pv::format(what, sizeof what, "hostile hvm_op {}", where);
    report(name, what, hv::call(abi::Hypercall::hvm_op, abi::raw(abi::HvmOp::get_param), address));
}
} // namespace

void probe_hostile(pv::StringView name) {
    hostile(name, "hypervisor", k_hypervisor_address);
    hostile(name, "noncanonical", k_noncanonical_address);
    hostile(name, "unmapped", k_unmapped_address);
    if (!platform().is_pv()) hostile(name, "no-ram", k_missing_ram_address);
}

void touch_missing_ram(pv::StringView name) {
    println("{}: reading guest-physical {:#x}, where it has no RAM", name, k_missing_ram_address);
    console().flush();
    uintptr_t address = k_missing_ram_address;
    uint8_t value = 0;
    asm volatile("movb (%1), %0" : "=r"(value) : "r"(address) : "memory");
    println("{}: read {:#x} from missing RAM; crashing through sched_op", name, value);
    crash_domain();
}

} // namespace minios::guests
