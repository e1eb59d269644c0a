// The composition root: minios_start() (called by arch/head.S) owns the
// Kernel, brings up its parts in order and hands over to the application.
#include "kernel/kernel.hpp"

#include "arch/hypercall.hpp"

extern "C" {
using Constructor = void (*)();
extern const Constructor __init_array_start[]; // minios.ld
extern const Constructor __init_array_end[];
}

namespace minios {
namespace {

Console the_console;
Kernel the_kernel;

void run_constructors() {
    for (const Constructor* c = __init_array_start; c != __init_array_end; ++c)
        (*c)();
}

// One line on where the console goes (the ring's output reaches Dom0, a
// failure to attach is reported through console_io, the only way left).
void print_console_report(long ring_rc) {
    const ConsoleRingFrontend& ring = console().ring();
    if (ring.attached())
        println("minios: console ring at mfn {:#x} ({}), event channel {}", ring.mfn(),
                ring.in_bootstrap_mapping() ? "in the bootstrap mapping" : "mapped anew",
                ring.port());
    else if (ring_rc < 0)
        println("minios: console ring not attached ({}); using console_io", ring_rc);
}

} // namespace

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

extern "C" [[noreturn]] void minios_start(const abi::StartInfo* start_info, uint64_t entry_rsp) {
    run_constructors();
    Kernel& k = the_kernel;

    const char* layout_problem = parse_boot_info(start_info, entry_rsp, k.boot);
    k.quiet = layout_problem == nullptr && has_option(k.boot.command_line(), "quiet");
    k.pv_mmu = layout_problem != nullptr || !has_option(k.boot.command_line(), "no-pv-mmu");
    // A DomU's console is its ring: attach before the first line so that
    // the whole boot report reaches the backend.
    const long ring_rc = layout_problem == nullptr && !k.boot.is_initial_domain() &&
                                 start_info->console.domu.mfn != 0
                             ? console().attach_ring(k.boot, k.pv_mmu)
                             : 0;
    if (!k.quiet) print_boot_info(k.boot);
    if (layout_problem != nullptr) panic("start of day: {}", layout_problem);
    if (!k.quiet || ring_rc < 0) print_console_report(ring_rc);

    const char* what = nullptr;
    if (const long rc = install_traps(what); rc < 0) panic("{} failed: {}", what, rc);

    const long map_rc = k.events.map_shared_info(k.boot, k.pv_mmu);
    if (!k.quiet) {
        if (map_rc == 0)
            println("minios: shared_info mapped at {:p}", k.events.shared_info());
        else
            println("minios: shared_info not mapped (update_va_mapping: {}); events stay masked",
                    map_rc);
    }

    k.pages.init(k.boot);
    if (!k.quiet) println("minios: {} pages free for the page allocator", k.pages.total_pages());

    const int status = app_main(k);
    console().flush();
    hv::shutdown(status == 0 ? abi::ShutdownReason::poweroff : abi::ShutdownReason::crash);
    panic("sched_op(shutdown) returned");
}

} // namespace minios
