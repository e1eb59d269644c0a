#include "arch/x86/acpi_discovery.hpp"

#include "core/acpi/rsdp.hpp"
#include "core/acpi/tables.hpp"
#include "lib/log.hpp"

namespace pv::x86 {

namespace {

constexpr uint64_t k_page = 4096;
constexpr uint64_t k_first_mib = 1ull << 20;

Result<acpi::Rsdp> find_rsdp(const BootInfo& boot, PhysReader& mem) {
    const char* reason = nullptr;
    if (boot.rsdp_length != 0) {
        auto rsdp = acpi::parse_rsdp(boot.rsdp, boot.rsdp_length, &reason);
        if (rsdp) {
            log_info("acpi: RSDP revision {} ('{}') from the boot loader", rsdp->revision,
                     rsdp->oem_id);
            return rsdp;
        }
        log_warning("acpi: the boot loader's RSDP is unusable: {}", reason);
    }
    uint64_t at = 0;
    auto rsdp = acpi::scan_bios_for_rsdp(mem, &at);
    if (rsdp) log_info("acpi: RSDP revision {} ('{}') at {:#x}", rsdp->revision, rsdp->oem_id, at);
    return rsdp;
}

} // namespace

bool DirectMapReader::described(uint64_t phys, uint64_t end) const {
    if (end <= k_first_mib) return true;
    // Every byte inside some range of the map, whatever its type.
    uint64_t covered = phys;
    for (bool progress = true; covered < end && progress;) {
        progress = false;
        for (size_t i = 0; i < boot_.memory_count; ++i) {
            const MemoryRange& r = boot_.memory[i];
            if (r.base <= covered && covered - r.base < r.length) {
                covered = r.base + r.length < r.base ? end : r.base + r.length;
                progress = true;
            }
        }
    }
    return covered >= end;
}

bool DirectMapReader::read(uint64_t phys, void* dst, size_t len) {
    if (len == 0) return true;
    uint64_t end = phys + len;
    if (end < phys || end > k_directmap_size || !described(phys, end)) return false;
    if (!page_tables_.map_direct(phys, len)) return false;
    __builtin_memcpy(dst, phys_to_virt(phys), len);
    return true;
}

Status discover_madt(const BootInfo& boot, HypervisorPageTables& page_tables,
                     FrameAllocator& frames, acpi::MadtInfo& out) {
    DirectMapReader mem(boot, page_tables);
    auto rsdp = find_rsdp(boot, mem);
    if (!rsdp) {
        log_warning("acpi: no RSDP found");
        return rsdp.status();
    }
    const char* reason = nullptr;
    auto where = acpi::find_table(mem, *rsdp, "APIC", &reason);
    if (!where) {
        log_warning("acpi: no usable MADT: {}", reason ? reason : "?");
        return where.status();
    }

    // Copy it into borrowed frames: the parser wants the bytes in one piece.
    const size_t pages = (where->length + k_page - 1) / k_page;
    auto mfn = frames.alloc_contiguous(pages, 1, k_owner_hypervisor);
    if (!mfn) return mfn.status();
    auto* buffer = static_cast<uint8_t*>(phys_to_virt(*mfn * k_page));
    Status status = acpi::load_table(mem, *where, "APIC", buffer, pages * k_page).status();
    if (status)
        status = acpi::parse_madt(buffer, where->length, out, &reason);
    else
        reason = "cannot copy the table";
    (void)frames.free_contiguous(*mfn, pages);
    if (!status) {
        log_warning("acpi: MADT at {:#x} is malformed: {}", where->phys, reason ? reason : "?");
        return status;
    }

    log_info(
        "acpi: MADT at {:#x} (via {}): {} CPUs ({} enabled), {} I/O APICs, local APIC at {:#x}",
        where->phys, where->via_xsdt ? "XSDT" : "RSDT", out.cpu_count, out.enabled_cpu_count(),
        out.ioapic_count, out.lapic_address);
    for (size_t i = 0; i < out.ioapic_count; ++i)
        log_debug("acpi: I/O APIC {} at {:#x}, GSIs from {}", out.ioapics[i].id,
                  out.ioapics[i].address, out.ioapics[i].gsi_base);
    if (out.truncated) log_warning("acpi: MADT lists more than we keep; the rest is ignored");
    return Status::ok();
}

} // namespace pv::x86
