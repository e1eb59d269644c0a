// The PV platform: minios in ring 3 under a hypervisor speaking Xen's
// x86-64 PV ABI (kernel/platform.hpp has the comparison with PVH).
#include "arch/hypercall.hpp"
#include "include/public/errno.hpp"
#include "kernel/kernel.hpp"
#include "kernel/platform.hpp"

namespace minios {
namespace {

// PTE flags: present, writable, accessed, dirty (Intel SDM Vol. 3 §4.5).
// The hypervisor adds the user bit itself for a 64-bit PV guest.
constexpr uint64_t k_pte_flags = 0x1 | 0x2 | 0x20 | 0x40;

// The pages whose mappings are replaced by shared_info and, when its frame
// is not in the bootstrap mapping, by the console ring. Their own frames
// are lost to minios afterwards, which is fine: two pages of .bss.
alignas(4096) char shared_info_slot[4096];
alignas(4096) char ring_slot[4096];

constexpr long error(abi::Errno e) {
    return -static_cast<long>(e);
}

class PvPlatform final : public Platform {
public:
    BootMode mode() const override { return BootMode::pv; }

    void print_boot_info(const BootInfo& boot) const override { minios::print_boot_info(boot); }

    long install_traps(const char*& what) override { return install_pv_traps(what); }

    void remove_trap_handlers() override { hv::set_trap_table(nullptr); }

    // start_info.shared_info is a machine address: map it over our page.
    long map_shared_info(const BootInfo& boot, bool pv_mmu, abi::SharedInfo*& out) override {
        if (!pv_mmu) return error(abi::Errno::enosys);
        const uint64_t va = reinterpret_cast<uintptr_t>(shared_info_slot);
        const uint64_t maddr = boot.start_info->shared_info;
        if (maddr % k_page_size != 0) return error(abi::Errno::einval);
        const long rc =
            hv::update_va_mapping(va, maddr | k_pte_flags, abi::k_uvmf_invlpg | abi::k_uvmf_local);
        if (rc == 0) out = reinterpret_cast<abi::SharedInfo*>(shared_info_slot);
        return rc;
    }

    // The ring is one of our pages, which the builder places after
    // start_info inside the bootstrap mapping: its pfn is where the p2m
    // holds its mfn. Only if it is not there is it mapped over ring_slot.
    long find_console_ring(const BootInfo& boot, bool pv_mmu, ConsoleRingPlace& out) override {
        const abi::StartInfo& si = *boot.start_info;
        if (boot.is_initial_domain() || si.console.domu.mfn == 0) return error(abi::Errno::enoent);
        out.frame = si.console.domu.mfn;
        out.port = si.console.domu.evtchn;
        for (uint64_t pfn = 0; pfn < boot.nr_pages(); ++pfn) {
            if (boot.mfn_of(pfn) != out.frame) continue;
            if (!boot.is_mapped(boot.va_of(pfn), k_page_size)) break;
            out.ring = reinterpret_cast<abi::ConsoleRing*>(boot.va_of(pfn));
            out.found_in_p2m = true;
            return 0;
        }
        if (!pv_mmu) return error(abi::Errno::enosys);
        const uint64_t va = reinterpret_cast<uintptr_t>(ring_slot);
        const long rc = hv::update_va_mapping(va, out.frame * k_page_size | k_pte_flags,
                                              abi::k_uvmf_invlpg | abi::k_uvmf_local);
        if (rc == 0) out.ring = reinterpret_cast<abi::ConsoleRing*>(ring_slot);
        return rc;
    }

    long console_write(const char* data, size_t size) override {
        return hv::console_io(abi::ConsoleIoOp::write, size, data);
    }
    long console_read(char* buffer, size_t capacity) override {
        return hv::console_io(abi::ConsoleIoOp::read, capacity, buffer);
    }

    void mask_events(abi::VcpuInfo* vcpu) override {
        if (vcpu != nullptr) __atomic_store_n(&vcpu->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
    }

    // Clears the mask and makes a hypercall if an upcall is pending: the
    // hypervisor delivers it on the way back (as Linux's
    // xen_force_evtchn_callback relies on).
    void deliver_pending(abi::VcpuInfo* vcpu) override {
        if (vcpu == nullptr) return;
        __atomic_store_n(&vcpu->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&vcpu->evtchn_upcall_pending, __ATOMIC_SEQ_CST) != 0)
            hv::xen_version(abi::VersionOp::version);
        mask_events(vcpu);
    }

    // sched_op(block) unmasks events itself and returns after the upcall.
    long block(abi::VcpuInfo* vcpu, uint64_t deadline) override {
        if (deadline != 0) hv::set_timer_op(deadline);
        const long rc = hv::sched_op(abi::SchedOp::block);
        mask_events(vcpu);
        return rc;
    }

    // The hypervisor copies CR2 into vcpu_info for a bounced #PF.
    bool fault_address(const abi::VcpuInfo* vcpu, uint64_t& out) const override {
        if (vcpu == nullptr) return false;
        out = vcpu->arch.cr2;
        return true;
    }

    long shutdown(abi::ShutdownReason reason) override { return hv::shutdown(reason); }
};

PvPlatform pv;

} // namespace

Platform& pv_platform() {
    return pv;
}

// arch/head.S: the PV entry (rsi = start_info, rsp = the builder's stack).
extern "C" [[noreturn]] void minios_start(const abi::StartInfo* start_info, uint64_t entry_rsp) {
    run_constructors();
    const char* problem = parse_boot_info(start_info, entry_rsp, kernel().boot);
    start_kernel(pv, problem);
}

} // namespace minios
