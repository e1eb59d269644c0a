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
    if (!k.quiet) print_boot_info(k.boot);
    if (layout_problem != nullptr) panic("start of day: {}", layout_problem);

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
