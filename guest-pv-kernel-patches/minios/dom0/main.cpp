// The Dom0 image: minios with the console prompt and the toolstack. This is
// the application's composition root: the hypervisor (HypervisorControl),
// the files (the initrd) and the terminal are made here and handed to the
// toolstack and the shell. All of them live in static storage: the toolstack
// is large (its tables and build scratch) and Dom0's stack is small.
#include "dom0/hypervisor_control.hpp"
#include "dom0/shell.hpp"

namespace minios {

int app_main(Kernel& k) {
    static HypervisorControl control(k);
    static InitrdFiles files;
    static ConsoleTerminal terminal(k);
    files.mount(k.boot);
    terminal.init();
    static pv::tools::Toolstack toolstack(control, files);
    static Shell shell(k, terminal, files, toolstack);
    shell.print_banner();
    shell.run();
}

} // namespace minios
