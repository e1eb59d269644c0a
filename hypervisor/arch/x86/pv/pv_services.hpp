// What the hypercall handlers in core/pv_hypercalls need from the machine:
// the console, waiting, domain lifecycle, and the hardware side of vCPU
// state. One instance, owned by the composition root.
#pragma once

#include "arch/x86/pv/pv_vcpu.hpp"
#include "arch/x86/uart.hpp"
#include "core/boot/boot_info.hpp"
#include "lib/log.hpp"
#include "lib/spinlock.hpp"
#include "lib/status.hpp"
#include "core/pv_hypercalls/services.hpp"

namespace pv::x86 {

class PvServices final : public HypervisorServices {
public:
    struct Hooks {
        OutputSink* console = nullptr; // where guest console output goes
        Uart* input = nullptr;         // serial input for the privileged domain
        void (*domain_stopped)(Domain&) = nullptr;
        Domain* (*domain_by_id)(DomainId) = nullptr;
        PvMmu* mmu = nullptr;
        EventChannels* (*events)(Domain&) = nullptr;
        VcpuTimeState* (*vcpu_time)(Vcpu&) = nullptr;
        uint64_t (*now_ns)() = nullptr;
        void (*set_timer)(Vcpu&, uint64_t deadline_ns) = nullptr;
        void (*cancel_timer)(Vcpu&) = nullptr;
        // Make the running vCPU's guest GDT frames live on this CPU.
        Status (*load_guest_gdt)(Vcpu&) = nullptr;
        long (*initialise_vcpu)(Vcpu&, const abi::VcpuGuestContext&) = nullptr;
        long (*vcpu_up)(Vcpu&) = nullptr;
        void (*kick)(Vcpu&) = nullptr;
        void (*physinfo)(abi::SysctlPhysinfo&) = nullptr;
        Logger* log = nullptr; // the hypervisor log, for sysctl readconsole
        GrantTables* grants = nullptr;
        HvmDomainOps* (*hvm_ops)(Domain&) = nullptr; // the PVH side of a domain, or null
    };
    PvServices(const Hooks& hooks, const HypervisorVersionInfo& version) : hooks_(hooks), version_(version) {}

    void console_write(Domain& domain, StringView bytes) override;
    size_t console_input_peek(char* buf, size_t n) override;
    void console_input_consume(size_t n) override;
    bool console_input_pending();
    void yield(Vcpu& vcpu) override;
    void block(Vcpu& vcpu) override;
    void domain_shutdown(Domain& domain, uint8_t reason) override;
    void set_shutdown_code(Domain& domain, uint8_t reason) override;
    void domain_crash(Domain& domain, const char* why) override;
    Domain* domain_by_id(DomainId id) override;
    void domain_handle(const Domain& domain, uint8_t (&handle)[16]) override;
    const HypervisorVersionInfo& version_info() override { return version_; }
    abi::VcpuInfo* vcpu_info(Vcpu& vcpu) override;
    // The hardware follows at once (pv_vcpu.hpp): the hypercall exit path
    // reloads nothing.
    void guest_mode_changed(Vcpu& vcpu) override { guest_mode_switched(vcpu); }
    void segment_base_changed(Vcpu& vcpu, abi::SegmentBase which) override {
        x86::segment_base_changed(vcpu, which);
    }
    void fpu_ts_changed(Vcpu& vcpu) override { x86::fpu_ts_changed(vcpu); }
    void debugreg_changed(Vcpu& vcpu, unsigned reg) override;
    uint64_t load_user_gs_selector(Vcpu& vcpu, uint16_t selector) override;
    long set_gdt(Vcpu& vcpu, const uint64_t* frames, unsigned nr_frames, unsigned entries) override;
    long update_descriptor(Domain& domain, uint64_t maddr, uint64_t desc) override;
    PvMmu* pv_mmu() override { return hooks_.mmu; }
    GrantTables* grant_tables() override { return hooks_.grants; }
    HvmDomainOps* hvm_ops(Domain& domain) override { return hooks_.hvm_ops ? hooks_.hvm_ops(domain) : nullptr; }
    void set_grant_tables(GrantTables* grants) { hooks_.grants = grants; }
    DomainControl* domain_control() override { return domain_control_; }
    void set_domain_control(DomainControl* control) { domain_control_ = control; }
    void set_mmu(PvMmu* mmu) { hooks_.mmu = mmu; }
    // The machine's memory map (the boot loader's, sanitized), for
    // XENMEM_machine_memory_map; MemoryType values are the E820 types.
    void set_machine_memory(const MemoryRange* ranges, size_t count) {
        machine_memory_ = ranges;
        machine_memory_count_ = count;
    }
    bool machine_memory_range(size_t index, abi::E820Entry& out) override {
        if (index >= machine_memory_count_) return false;
        out.addr = machine_memory_[index].base;
        out.size = machine_memory_[index].length;
        out.type = static_cast<uint32_t>(machine_memory_[index].type);
        return true;
    }
    EventChannels* event_channels(Domain& domain) override { return hooks_.events ? hooks_.events(domain) : nullptr; }
    VcpuTimeState* vcpu_time(Vcpu& vcpu) override { return hooks_.vcpu_time ? hooks_.vcpu_time(vcpu) : nullptr; }
    // Wake the vCPU if blocked; if it runs (or waits) on another CPU, that
    // CPU gets an event-check IPI. Called with event locks held: no locks.
    void kick_vcpu(Vcpu& vcpu) override {
        if (hooks_.kick)
            hooks_.kick(vcpu);
        else if (vcpu.state == VcpuState::blocked)
            vcpu.state = VcpuState::runnable;
    }
    long initialise_vcpu(Vcpu& vcpu, const abi::VcpuGuestContext& context) override {
        return hooks_.initialise_vcpu ? hooks_.initialise_vcpu(vcpu, context) : -static_cast<long>(Errno::enosys);
    }
    long vcpu_up(Vcpu& vcpu) override {
        return hooks_.vcpu_up ? hooks_.vcpu_up(vcpu) : -static_cast<long>(Errno::enosys);
    }
    uint64_t system_time_ns() override { return hooks_.now_ns ? hooks_.now_ns() : 0; }
    void set_vcpu_timer(Vcpu& vcpu, uint64_t deadline_ns) override {
        if (hooks_.set_timer) hooks_.set_timer(vcpu, deadline_ns);
    }
    void cancel_vcpu_timer(Vcpu& vcpu) override {
        if (hooks_.cancel_timer) hooks_.cancel_timer(vcpu);
    }
    void* map_guest_frame(Domain& domain, uint64_t mfn) override;
    void physinfo(abi::SysctlPhysinfo& info) override {
        info = {};
        if (hooks_.physinfo) hooks_.physinfo(info);
    }
    size_t read_console_log(uint64_t& cursor, char* buffer, size_t count) override {
        return hooks_.log ? hooks_.log->read(cursor, buffer, count) : 0;
    }
    void unmap_guest_frame(Domain& domain, uint64_t mfn) override;

private:
    void fill_input();
    void emit_line();
    Hooks hooks_;
    DomainControl* domain_control_ = nullptr;
    HypervisorVersionInfo version_;
    const MemoryRange* machine_memory_ = nullptr;
    size_t machine_memory_count_ = 0;
    // Serial input: the boot CPU's timer looks for it while Dom0 reads it
    // on whichever CPU its vCPU runs; input_lock_ guards these.
    SpinLock input_lock_;
    char input_[256] = {};
    size_t input_head_ = 0, input_count_ = 0;
    // Guest output being gathered into a line, and whose it is. Boot-time
    // DomUs on several CPUs write at once: console_lock_ guards these.
    SpinLock console_lock_;
    char line_[256] = {};
    size_t line_length_ = 0;
    DomainId line_domain_ = DomainId{0};
    bool line_privileged_ = false;
};

} // namespace pv::x86
