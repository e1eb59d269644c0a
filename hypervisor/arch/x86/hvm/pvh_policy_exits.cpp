// CPUID and RDMSR/WRMSR exits of PVH vCPUs: the arch-neutral policies of
// core/hvm decide, this file applies their answers to the container.
#include "arch/x86/cpu.hpp"
#include "arch/x86/hvm/pvh_exits.hpp"
#include "core/hvm/cpuid_policy.hpp"
#include "core/hvm/msr_policy.hpp"
#include "core/pv_hypercalls/services.hpp"

namespace pv::x86::hvm {

namespace {

constexpr uint8_t k_gp = 13;
constexpr uint64_t k_cr4_osxsave = 1u << 18;
constexpr uint64_t k_cr4_pke = 1u << 22;

class MachineCpuid final : public pv::hvm::HostCpuid {
public:
    pv::hvm::CpuidLeaf query(uint32_t leaf, uint32_t subleaf) const override {
        const CpuidResult r = cpuid(leaf, subleaf);
        return {r.eax, r.ebx, r.ecx, r.edx};
    }
};

pv::hvm::CpuVendor host_vendor() {
    // "AuthenticAMD" / "HygonGenuine" are AMD-like; everything else is treated as Intel.
    const CpuidResult r = cpuid(0, 0);
    return r.ebx == 0x68747541 || r.ebx == 0x6f677948 ? pv::hvm::CpuVendor::amd
                                                      : pv::hvm::CpuVendor::intel;
}

} // namespace

bool pvh_cpuid(Vcpu& v, Container& c, const Exit& exit) {
    GuestRegisters& r = c.registers();
    const GuestPaging paging = c.paging();
    pv::hvm::PvhCpuidContext ctx;
    ctx.vcpu_id = v.id();
    ctx.vcpu_count = v.domain().vcpu_count;
    ctx.domain_id = v.domain().id();
    const HypervisorVersionInfo& version = pvh_environment().services->version_info();
    ctx.xen_version = uint32_t(version.major) << 16 | version.minor;
    ctx.guest_osxsave = paging.cr4 & k_cr4_osxsave;
    ctx.guest_ospke = paging.cr4 & k_cr4_pke;
    // XCR0 is not switched per guest: XSAVE stays hidden and XSETBV exits.
    ctx.expose_xsave = false;
    const pv::hvm::CpuidLeaf leaf = pv::hvm::pvh_cpuid(MachineCpuid{}, ctx, static_cast<uint32_t>(r.rax),
                                                       static_cast<uint32_t>(r.rcx));
    r.rax = leaf.eax, r.rbx = leaf.ebx, r.rcx = leaf.ecx, r.rdx = leaf.edx;
    c.advance_past(exit);
    return true;
}

bool pvh_msr(Vcpu& v, PvhDomain& pd, Container& c, const Exit& exit) {
    GuestRegisters& r = c.registers();
    const uint32_t index = static_cast<uint32_t>(r.rcx);
    const bool write = exit.reason == ExitReason::msr_write;
    const uint64_t value = (r.rdx << 32) | (r.rax & 0xffffffffu);
    const uint64_t now = pvh_environment().now_ns ? pvh_environment().now_ns() : 0;
    pv::hvm::PvhMsrContext ctx;
    ctx.vcpu_id = v.id();
    ctx.vendor = host_vendor();
    ctx.guest_tsc = rdtsc();
    pv::hvm::PvhMsrState& state = pd.msr_state(v.id());
    const pv::hvm::MsrDecision d =
        write ? pv::hvm::pvh_wrmsr(ctx, state, index, value) : pv::hvm::pvh_rdmsr(ctx, state, index);

    bool ok = true;
    uint64_t result = d.value;
    switch (d.action) {
    case pv::hvm::MsrAction::done:
        if (write && index == pv::hvm::msr::k_pat) ok = c.write_state_msr(index, state.pat).is_ok();
        break;
    case pv::hvm::MsrAction::vlapic:
        if (write) {
            ok = pd.vlapic(v.id()).write(index, value, now).is_ok();
        } else {
            Result<uint64_t> read = pd.vlapic(v.id()).read(index, now);
            ok = read.is_ok();
            if (ok) result = *read;
        }
        break;
    case pv::hvm::MsrAction::hypercall_page:
        ok = pvh_write_hypercall_page(pd, d.value >> 12).is_ok();
        break;
    case pv::hvm::MsrAction::vendor:
        if (write) {
            ok = c.write_state_msr(index, value).is_ok();
        } else {
            Result<uint64_t> read = c.read_state_msr(index);
            ok = read.is_ok();
            if (ok) result = *read;
        }
        break;
    case pv::hvm::MsrAction::gp:
        ok = false;
        break;
    }
    if (!ok) {
        c.inject_exception(k_gp, 0); // RIP stays: the fault is the instruction's
        return true;
    }
    if (!write) r.rax = result & 0xffffffffu, r.rdx = result >> 32;
    c.advance_past(exit);
    return true;
}

} // namespace pv::x86::hvm
