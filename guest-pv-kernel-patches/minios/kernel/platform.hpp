// How minios was booted, and everything that differs between the ways:
// the one place where PV (ring 3 under a Xen-ABI hypervisor), PVH (ring 0
// of a hardware container with the same hypercalls) and bare metal part.
// The rest of the kernel asks the Platform and never the mode.
//
//                  PV (platform_pv.cpp)        PVH (platform_pvh.cpp)
//  entry           ENTRY note, 64-bit, rsi =   PHYS32_ENTRY, 32-bit, ebx =
//                  start_info                  hvm_start_info (arch/start32.S)
//  hypercalls      page filled by the builder  page filled after wrmsr (Xen
//                  (HYPERCALL_PAGE note)       CPUID leaf +2 MSR); same stubs
//  exceptions      set_trap_table, bounce      own IDT (kernel/idt.cpp)
//                  frames (arch/entry.S)
//  event upcall    callback_op(event)          HVM_PARAM_CALLBACK_IRQ vector
//                                              (or HVMOP_set_evtchn_upcall_vector)
//  masking events  vcpu_info upcall_mask       RFLAGS.IF (cli/sti)
//  shared_info     update_va_mapping of its    add_to_physmap(shared_info) over
//                  machine address             one of our own pages
//  console ring    start_info.console.domU     HVM_PARAM_CONSOLE_PFN/EVTCHN
//  memory, module  start_info, p2m             hvm_start_info memory map, modlist
//  blocking        set_timer_op + sched_op     VCPUOP_set_singleshot_timer +
//                  block                       sti; hlt
//  page tables     PV MMU hypercalls           direct writes (none needed so far)
//  user mode       PV syscall bounce           not offered ("not in PVH")
#pragma once

#include "arch/asm_constants.h"
#include "include/public/console_ring.hpp"
#include "include/public/sched.hpp"
#include "include/public/shared_info.hpp"
#include "kernel/boot_info.hpp"

#include <cstddef>
#include <cstdint>

namespace minios {

enum class BootMode : uint8_t {
    pv = 0,
    pvh = MINIOS_BOOT_MODE_PVH,
    native = MINIOS_BOOT_MODE_NATIVE,
};

// "PV", "PVH", "native".
const char* boot_mode_name(BootMode mode);

// Where a DomU's console ring is.
struct ConsoleRingPlace {
    abi::ConsoleRing* ring = nullptr;
    uint32_t port = 0;         // event channel to the backend
    uint64_t frame = 0;        // PV: machine frame; PVH: guest frame
    bool found_in_p2m = false; // PV: the frame is in the bootstrap mapping
};

class Platform {
public:
    virtual BootMode mode() const = 0;
    const char* name() const { return boot_mode_name(mode()); }
    // True where the PV MMU and PV user mode exist (PV only).
    bool is_pv() const { return mode() == BootMode::pv; }

    // Mode-specific lines of the start-of-day report.
    virtual void print_boot_info(const BootInfo& boot) const = 0;

    // Exception handlers and the event upcall entry. Returns 0 or the
    // first failing step's (negative) result; `what` names that step.
    virtual long install_traps(const char*& what) = 0;
    // Takes every handler away, so that the next exception crashes the
    // domain in the hypervisor (PV: set_trap_table(NULL); PVH: an empty
    // IDT, so a fault becomes a triple fault).
    virtual void remove_trap_handlers() = 0;

    // Maps shared_info at a page-aligned address of ours. Returns 0 and
    // sets `out`, or a negative Xen errno (-ENOSYS when not possible).
    virtual long map_shared_info(const BootInfo& boot, bool pv_mmu, abi::SharedInfo*& out) = 0;
    // Finds the DomU console ring: 0 and `out`, -ENOENT when there is none
    // (boot domain, or no ring given), another negative errno on failure.
    virtual long find_console_ring(const BootInfo& boot, bool pv_mmu, ConsoleRingPlace& out) = 0;

    // The console when there is no ring (console_io, or a UART): writes or
    // reads (non-blocking) up to `size` bytes. Xen's console_io results.
    virtual long console_write(const char* data, size_t size) = 0;
    virtual long console_read(char* buffer, size_t capacity) = 0;

    // Event delivery to this vCPU off / briefly on (pending upcalls run).
    virtual void mask_events(abi::VcpuInfo* vcpu) = 0;
    virtual void deliver_pending(abi::VcpuInfo* vcpu) = 0;
    // Arms the one-shot timer at `deadline` (system time in ns; 0: no
    // timer) and blocks until an event has been taken by the upcall.
    // Returns with events masked: 0 or the block call's negative result.
    virtual long block(abi::VcpuInfo* vcpu, uint64_t deadline) = 0;

    // The faulting address of the last page fault, false when unknown (PV
    // without shared_info).
    virtual bool fault_address(const abi::VcpuInfo* vcpu, uint64_t& out) const = 0;

    // Ends the domain (or the machine). Returns only on failure.
    virtual long shutdown(abi::ShutdownReason reason) = 0;

protected:
    ~Platform() = default;
};

// The platform minios booted on (set once at start of day).
Platform& platform();
void set_platform(Platform& p);

// The platform implementations (kernel/platform_*.cpp).
Platform& pv_platform();

// Common start of day once the boot information is read and hypercalls work
// (kernel/kernel.cpp). `layout_problem` is the boot parser's complaint or
// nullptr.
[[noreturn]] void start_kernel(Platform& p, const char* layout_problem);

} // namespace minios
