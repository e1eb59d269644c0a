// Start of day: start_info and the layout of the bootstrap region.
#include "arch/hypercall.hpp"
#include "test/groups.hpp"

namespace minios::test {

void test_boot(Kernel& k, Checker& c) {
    const BootInfo& boot = k.boot;
    const abi::StartInfo& si = *boot.start_info;

    // minios_start() refuses to run past a broken layout, so reaching this
    // point already means the order and alignment rules held.
    c.check(boot.magic().starts_with("xen-3.0-x86_64"), "start_info magic", "'{}'", boot.magic());
    c.check(!boot.is_initial_domain() || boot.is_privileged(), "initdomain implies privileged",
            "flags {:#x}", si.flags);
    c.check(hypercall_page[0] != static_cast<char>(0xcc),
            "hypercall page filled by the hypervisor");

    bool p2m_plausible = true;
    for (uint64_t pfn = 0; pfn < boot.nr_pages(); ++pfn)
        if (boot.p2m[pfn] == 0 || boot.p2m[pfn] == ~uint64_t{0}) p2m_plausible = false;
    c.check(p2m_plausible, "p2m has a frame for every page");
    c.check(boot.mfn_of(boot.pfn_of(si.pt_base)) !=
                boot.mfn_of(boot.pfn_of(reinterpret_cast<uintptr_t>(&si))),
            "page tables and start_info on different frames");

    size_t cmdline_length = 0;
    while (cmdline_length < sizeof si.cmd_line && si.cmd_line[cmdline_length] != '\0')
        ++cmdline_length;
    c.check(cmdline_length < sizeof si.cmd_line, "command line NUL-terminated");

    // The 512 KiB after the boot stack must be mapped and writable: touch
    // its last word (a #PF here crashes the test with a register dump).
    volatile uint64_t* last = reinterpret_cast<volatile uint64_t*>(boot.entry_rsp + 512 * 1024 - 8);
    *last = 0x5a5a5a5a5a5a5a5a;
    c.check(*last == 0x5a5a5a5a5a5a5a5a, "512 KiB padding after the boot stack is writable");
    c.check(boot.mapped_end % (4 * 1024 * 1024) == 0 ||
                boot.mapped_end == k_virt_base + boot.nr_pages() * k_page_size,
            "bootstrap mapping ends on a 4 MiB boundary", "ends at {:#x}", boot.mapped_end);

    if (k.events.shared_info() == nullptr) {
        c.skip("shared_info mapped",
               "update_va_mapping refused (page-table updates come with the PV MMU)");
        return;
    }
    c.check(true, "shared_info mapped");
    const abi::SharedInfo& shared = *k.events.shared_info();
    c.check(shared.vcpu_info[0].evtchn_upcall_mask == 1, "events masked at start of day",
            "evtchn_upcall_mask {}", shared.vcpu_info[0].evtchn_upcall_mask);
    c.check(shared.wc_version % 2 == 0 && (shared.wc_sec != 0 || shared.wc_sec_hi != 0),
            "wallclock filled in", "wc_version {} wc_sec {}", shared.wc_version, shared.wc_sec);
    c.check(shared.vcpu_info[0].time.tsc_to_system_mul != 0, "vcpu_time_info filled in");
}

} // namespace minios::test
