// HypervisorServices: the few things the arch-neutral PV hypercall handlers
// need from the rest of the hypervisor. The composition root implements it
// (console, scheduler, domain registry, arch register state); unit tests
// fake it. Handlers reach it through HypercallContext::services.
//
// Every hook runs on the calling vCPU's own CPU, inside the hypercall, with
// that vCPU current (as Xen's handlers run with `current`). A hook that
// changes hardware state does it at once: the handler has already updated
// the vCPU's software copy (PvVcpuState) when it calls the hook.
#pragma once

#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "include/public/errno.hpp"
#include "include/public/hypercall.hpp"
#include "include/public/memory.hpp"
#include "include/public/shared_info.hpp"
#include "include/public/control.hpp"
#include "include/public/vcpu_context.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {

class EventChannels; // core/event/event_channels.hpp
class VcpuTimeState; // core/pv_time/vcpu_time.hpp
class PvMmu;         // core/pv_mm/pv_mmu.hpp
class GrantTables;   // core/grant/grant_table.hpp
class DomainControl; // core/control/domain_control.hpp
class HvmDomainOps;  // core/hvm_hypercalls/hvm_domain_ops.hpp

// The facts xen_version reports. Strings are NUL-terminated; the handler
// truncates them to the ABI's field sizes. Null strings read as "".
struct HypervisorVersionInfo {
    uint16_t major = 0;
    uint16_t minor = 0;
    const char* extraversion = nullptr; // XENVER_extraversion, e.g. ".0-paravane"
    const char* compiler = nullptr;     // XENVER_compile_info
    const char* compile_by = nullptr;
    const char* compile_domain = nullptr;
    const char* compile_date = nullptr;
    const char* changeset = nullptr;                    // XENVER_changeset
    const char* capabilities = nullptr;                 // XENVER_capabilities: "xen-3.0-x86_64"
    uint64_t virt_start = abi::k_hypervisor_virt_start; // XENVER_platform_parameters
    const char* commandline = nullptr; // XENVER_commandline (privileged domains only)
    const uint8_t* build_id = nullptr; // XENVER_build_id; length 0: none (-ENODATA)
    uint32_t build_id_len = 0;
};

class HypervisorServices {
public:
    // --- Console (console_io) -------------------------------------------
    // `bytes` is what the guest wrote, unfiltered (it may hold NULs and
    // control characters); the console decides how to show it (Xen prints
    // the hardware domain's output directly and buffers other domains' up
    // to a newline behind a "(dN)" prefix). Called with at most 128 bytes.
    virtual void console_write(Domain& domain, StringView bytes) = 0;
    // Serial input for the privileged domain: copy up to n pending bytes
    // into buf without consuming them, returning how many; then consume
    // exactly what reached the guest. (Two steps so that input is not lost
    // when the guest's buffer faults, as in Xen's serial_rx ring.)
    virtual size_t console_input_peek(char* buf, size_t n) = 0;
    virtual void console_input_consume(size_t n) = 0;

    // --- Scheduler (sched_op) -------------------------------------------
    // Give up the CPU; the vCPU stays runnable.
    virtual void yield(Vcpu& vcpu) = 0;
    // Called with vcpu.state == VcpuState::blocked, after the handler found
    // no event pending. An event arriving from now on wakes the vCPU (sets it
    // runnable); the scheduler must re-check the state under its own lock
    // before taking the vCPU off the CPU, so that wake-up is not lost.
    virtual void block(Vcpu& vcpu) = 0;

    // --- Domains ---------------------------------------------------------
    // Xen's domain_shutdown(d, reason): `reason` is the guest's value
    // truncated to 8 bits and NOT range-checked (Xen does not check it
    // either; the hardware domain's unknown reasons mean reboot). A code
    // recorded earlier by set_shutdown_code() takes precedence; a second
    // shutdown of a domain already shutting down changes nothing.
    virtual void domain_shutdown(Domain& domain, uint8_t reason) = 0;
    // SCHEDOP_shutdown_code: record `reason` for a later shutdown unless a
    // code is already recorded (first one wins).
    virtual void set_shutdown_code(Domain& domain, uint8_t reason) = 0;
    // Xen's domain_crash(): log `why` with the vCPU's registers and shut the
    // domain down with reason crash. The handler then returns; the arch
    // code must not resume a vCPU of a domain that is no longer running.
    virtual void domain_crash(Domain& domain, const char* why) = 0;
    // The domain with this id, or null (reserved ids never name one).
    virtual Domain* domain_by_id(DomainId id) = 0;
    // The domain's 16-byte handle (UUID, set by the toolstack; zeros if none).
    virtual void domain_handle(const Domain& domain, uint8_t (&handle)[16]) = 0;

    // --- Facts -----------------------------------------------------------
    virtual const HypervisorVersionInfo& version_info() = 0;

    // The vCPU's vcpu_info as the hypervisor maps it (in shared_info, or
    // where VCPUOP_register_vcpu_info put it), or null if none is mapped
    // yet. Shared with the guest: the handlers touch its bytes atomically.
    virtual abi::VcpuInfo* vcpu_info(Vcpu& vcpu) = 0;

    // --- Arch register state ---------------------------------------------
    // iret flipped vcpu.pv.kernel_mode (Xen's toggle_guest_mode). The arch
    // saves the outgoing mode's live GS base into gs_base_kernel/_user if it
    // caches it in hardware, swaps the GS bases and loads the new mode's page
    // tables (kernel_cr3 or user_cr3) before returning to the guest.
    virtual void guest_mode_changed(Vcpu& vcpu) = 0;
    // set_segment_base stored a new base in vcpu.pv (fs_base,
    // gs_base_kernel or gs_base_user): load it into the hardware.
    virtual void segment_base_changed(Vcpu& vcpu, abi::SegmentBase which) = 0;
    // SEGBASE_GS_USER_SEL: load the user %gs selector `sel` (RPL already
    // fixed up) from the guest's GDT/LDT, with fault handling (a selector
    // that faults loads as NUL, as in Xen), and return the resulting user GS
    // base, which the handler stores in vcpu.pv.gs_base_user.
    virtual uint64_t load_user_gs_selector(Vcpu& vcpu, uint16_t sel) = 0;
    // fpu_taskswitch changed vcpu.pv.fpu_ts: set or clear CR0.TS (stts/clts).
    virtual void fpu_ts_changed(Vcpu& vcpu) = 0;
    // set_debugreg stored vcpu.pv.debugreg[reg] (reg 0-3, 6 or 7): load it.
    // For reg 7 with a breakpoint newly enabled, load DR0-3 and DR6 as well
    // (they are not restored on context switch while DR7 is inactive).
    virtual void debugreg_changed(Vcpu& vcpu, unsigned reg) = 0;

    // --- PV MMU (issue 4) --------------------------------------------------
    // Frame ownership and typing, which the PV MMU owns. Defaults: -ENOSYS.
    // set_gdt: `frames` are the guest's machine frames (nr_frames of them,
    // already copied in, entries <= 7168 checked). Take a descriptor-page
    // type reference on each (validating all 512 descriptors of each with
    // check_guest_descriptor()), release the old GDT, install the new one.
    // Return 0 or -EINVAL (Xen's pv_set_gdt).
    virtual long set_gdt(Vcpu& vcpu, const uint64_t* frames, unsigned nr_frames, unsigned entries);
    // update_descriptor: maddr is 8-byte aligned and desc already passed
    // (and was fixed up by) check_guest_descriptor(). Check the frame
    // belongs to the domain and may be written as a descriptor (a
    // descriptor page or a plain writable page), then store desc atomically.
    // Return 0 or -EINVAL.
    virtual long update_descriptor(Domain& domain, uint64_t maddr, uint64_t desc);
    // The hypervisor's PV MMU (core/pv_mm/pv_mmu.hpp), or null: mmu_update,
    // mmuext_op, update_va_mapping and memory_op then answer -ENOSYS.
    virtual PvMmu* pv_mmu() { return nullptr; }
    // XENMEM_machine_memory_map: entry `index` of the machine's memory map
    // (E820 types, sorted, non-overlapping), false past the last one.
    // Default: no map known (the sub-op then answers -ENOSYS).
    virtual bool machine_memory_range(size_t index, abi::E820Entry& out);

    // --- Event channels and PV time (issue 4: core/event, core/pv_time) ---
    // Defaults: no event channels / timers (their hypercalls answer -ENOSYS).
    // The domain's event-channel table (its port limit, shared_info mapping
    // and per-vCPU vcpu_info locations), owned by the composition root for
    // the domain's lifetime; null: none.
    virtual EventChannels* event_channels(Domain& domain);
    // The vCPU's timers and runstate (core/pv_time/vcpu_time.hpp); null: none.
    virtual VcpuTimeState* vcpu_time(Vcpu& vcpu);
    // An event became pending for `vcpu` (or a poll it waits in ended): wake
    // it if it is blocked (state -> runnable), and if it runs on another CPU
    // send that CPU an IPI so that it delivers the upcall on its way back to
    // the guest. May be called on any CPU, with the target domain's event
    // lock held: it must not take an event lock itself.
    virtual void kick_vcpu(Vcpu& vcpu);
    // Current system time in ns (what vcpu_time_info describes).
    virtual uint64_t system_time_ns();
    // Arm the vCPU's one hypervisor timer for system time `deadline_ns`,
    // replacing any earlier deadline; when it fires, on any CPU, call
    // VcpuTimeState::timer_expired() (core/pv_time/vcpu_time.hpp) with
    // interrupts off, not inside the raw interrupt handler if that can
    // interrupt a holder of an event lock on the same CPU. A timer that fired
    // is spent (no cancel follows). Called with the vCPU's timer lock held.
    virtual void set_vcpu_timer(Vcpu& vcpu, uint64_t deadline_ns);
    virtual void cancel_vcpu_timer(Vcpu& vcpu);
    // VCPUOP_register_vcpu_info: the hypervisor's mapping of the domain's
    // frame `mfn` if the domain owns it and it may be writable (the PV MMU
    // takes a writable type reference and keeps the mapping until
    // unmap_guest_frame), else null.
    virtual void* map_guest_frame(Domain& domain, uint64_t mfn);
    virtual void unmap_guest_frame(Domain& domain, uint64_t mfn);

    // VCPUOP_initialise: validate and load a secondary vCPU's starting
    // context (Xen's arch_set_info_guest); 0 or -errno.
    virtual long initialise_vcpu(Vcpu& vcpu, const abi::VcpuGuestContext& context);
    // VCPUOP_up of an initialised, offline vCPU: start running it.
    virtual long vcpu_up(Vcpu& vcpu);

    // sysctl: what the machine has, and the hypervisor's log ring.
    virtual void physinfo(abi::SysctlPhysinfo& info);
    virtual size_t read_console_log(uint64_t& cursor, char* buffer, size_t count);

    // Grant tables (issue 5: core/grant): the hypervisor's GrantTables, or
    // null (grant_table_op then answers -ENOSYS).
    virtual GrantTables* grant_tables() { return nullptr; }

    // domctl's domain lifecycle (core/control/domain_control.hpp), or null
    // (those commands then answer -ENOSYS).
    virtual DomainControl* domain_control() { return nullptr; }

    // The PVH side of `domain` (HVM parameters, upcall vectors, its
    // guest-physical map), or null for a PV domain.
    virtual HvmDomainOps* hvm_ops(Domain&) { return nullptr; }

protected:
    ~HypervisorServices() = default;
};

inline long HypervisorServices::set_gdt(Vcpu&, const uint64_t*, unsigned, unsigned) {
    return -static_cast<long>(abi::Errno::enosys);
}
inline long HypervisorServices::update_descriptor(Domain&, uint64_t, uint64_t) {
    return -static_cast<long>(abi::Errno::enosys);
}
inline bool HypervisorServices::machine_memory_range(size_t, abi::E820Entry&) {
    return false;
}
inline EventChannels* HypervisorServices::event_channels(Domain&) {
    return nullptr;
}
inline VcpuTimeState* HypervisorServices::vcpu_time(Vcpu&) {
    return nullptr;
}
inline void HypervisorServices::kick_vcpu(Vcpu&) {}
inline uint64_t HypervisorServices::system_time_ns() {
    return 0;
}
inline void HypervisorServices::set_vcpu_timer(Vcpu&, uint64_t) {}
inline void HypervisorServices::cancel_vcpu_timer(Vcpu&) {}
inline void* HypervisorServices::map_guest_frame(Domain&, uint64_t) {
    return nullptr;
}
inline void HypervisorServices::unmap_guest_frame(Domain&, uint64_t) {}

inline long HypervisorServices::initialise_vcpu(Vcpu&, const abi::VcpuGuestContext&) {
    return -static_cast<long>(abi::Errno::enosys);
}
inline long HypervisorServices::vcpu_up(Vcpu&) { return -static_cast<long>(abi::Errno::enosys); }

inline void HypervisorServices::physinfo(abi::SysctlPhysinfo& info) { info = {}; }
inline size_t HypervisorServices::read_console_log(uint64_t&, char*, size_t) { return 0; }

} // namespace pv
