// The Dom0 image: minios with the console prompt.
#include "dom0/shell.hpp"

namespace minios {

int app_main(Kernel& k) {
    static Shell shell(k);
    shell.print_banner();
    shell.run();
}

} // namespace minios
