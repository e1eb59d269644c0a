// The composition root: owns the Kernel; start_kernel() (called by the PV,
// PVH and bare-metal entries once they have read their boot information)
// brings up its parts in order and hands over to the application.
#include "kernel/kernel.hpp"

#include "arch/hypercall.hpp"
#include "include/public/errno.hpp"

extern "C" {
using Constructor = void (*)();
extern const Constructor __init_array_start[]; // minios.ld
extern const Constructor __init_array_end[];
}

namespace minios {
namespace {

Console the_console;
Kernel the_kernel;
Platform* the_platform = nullptr;

// One line on where the console goes (the ring's output reaches Dom0, a
// failure to attach is reported through console_io, the only way left).
void print_console_report(long ring_rc) {
    const ConsoleRingFrontend& ring = console().ring();
    if (ring.attached() && !platform().is_pv())
        println("minios: console ring at gfn {:#x}, event channel {}", ring.mfn(), ring.port());
    else if (ring.attached())
        println("minios: console ring at mfn {:#x} ({}), event channel {}", ring.mfn(),
                ring.in_bootstrap_mapping() ? "in the bootstrap mapping" : "mapped anew",
                ring.port());
    else if (ring_rc < 0 && ring_rc != -static_cast<long>(abi::Errno::enoent))
        println("minios: console ring not attached ({}); using console_io", ring_rc);
}

} // namespace

void run_constructors() {
    for (const Constructor* c = __init_array_start; c != __init_array_end; ++c)
        (*c)();
}

const char* boot_mode_name(BootMode mode) {
    switch (mode) {
    case BootMode::pv:
        return "PV";
    case BootMode::pvh:
        return "PVH";
    case BootMode::native:
        return "native";
    }
    return "unknown";
}

Platform& platform() {
    return *the_platform;
}

void set_platform(Platform& p) {
    the_platform = &p;
}

Console& console() {
    return the_console;
}

Kernel& kernel() {
    return the_kernel;
}

bool has_option(pv::StringView command_line, pv::StringView word) {
    size_t i = 0;
    while (i < command_line.size()) {
        while (i < command_line.size() && command_line[i] == ' ')
            ++i;
        size_t end = command_line.find(' ', i);
        if (end == pv::StringView::npos) end = command_line.size();
        if (command_line.substr(i, end - i) == word) return true;
        i = end;
    }
    return false;
}

[[noreturn]] void start_kernel(Platform& p, const char* layout_problem) {
    set_platform(p);
    Kernel& k = the_kernel;
    k.quiet = layout_problem == nullptr && has_option(k.boot.command_line(), "quiet");
    k.pv_mmu =
        p.is_pv() && (layout_problem != nullptr || !has_option(k.boot.command_line(), "no-pv-mmu"));
    // A DomU's console is its ring: attach before the first line so that
    // the whole boot report reaches the backend.
    const long ring_rc = layout_problem == nullptr && !k.boot.is_initial_domain()
                             ? console().attach_ring(k.boot, k.pv_mmu)
                             : 0;
    if (!k.quiet) p.print_boot_info(k.boot);
    if (layout_problem != nullptr) panic("start of day: {}", layout_problem);
    // -ENOENT: no ring offered, console_io it is.
    if (!k.quiet || (ring_rc < 0 && ring_rc != -static_cast<long>(abi::Errno::enoent)))
        print_console_report(ring_rc);

    const char* what = nullptr;
    if (const long rc = p.install_traps(what); rc < 0) panic("{} failed: {}", what, rc);

    const long map_rc = k.events.map_shared_info(k.boot, k.pv_mmu);
    if (!k.quiet) {
        if (map_rc == 0)
            println("minios: shared_info mapped at {:p}", k.events.shared_info());
        else
            println("minios: shared_info not mapped ({}); events stay masked", map_rc);
    }

    k.pages.init(k.boot);
    if (!k.quiet) println("minios: {} pages free for the page allocator", k.pages.total_pages());

    const int status = app_main(k);
    console().flush();
    p.shutdown(status == 0 ? abi::ShutdownReason::poweroff : abi::ShutdownReason::crash);
    panic("sched_op(shutdown) returned");
}

} // namespace minios
