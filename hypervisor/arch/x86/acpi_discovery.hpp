// Finding the MADT on this machine: the arch side of core/acpi. Reads go
// through the direct map, which the ACPI tables may not be in yet (firmware
// often puts them in "reserved" RAM that the direct map skips).
#pragma once

#include "arch/x86/paging.hpp"
#include "boot/multiboot/phys_reader.hpp"
#include "core/acpi/madt.hpp"
#include "core/boot/boot_info.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/status.hpp"

namespace pv::x86 {

// A PhysReader over the direct map that maps what it reads first (cached,
// 2 MiB at a time). It reads only the first MiB (BIOS areas) and ranges the
// firmware's memory map describes: a wild pointer in a broken table must
// not map device memory cacheable.
class DirectMapReader final : public PhysReader {
public:
    DirectMapReader(const BootInfo& boot, HypervisorPageTables& page_tables)
        : boot_(boot), page_tables_(page_tables) {}
    bool read(uint64_t phys, void* dst, size_t len) override;

private:
    bool described(uint64_t phys, uint64_t end) const;
    const BootInfo& boot_;
    HypervisorPageTables& page_tables_;
};

// RSDP (the loader's copy if it gave one, else the BIOS areas) -> XSDT or
// RSDT -> "APIC" -> `out`, logging what it finds. The table is copied to
// frames borrowed from `frames` for the parse. ENOENT when the machine has
// no RSDP or no MADT; other errors as core/acpi. On error the caller runs
// on the boot CPU alone.
Status discover_madt(const BootInfo& boot, HypervisorPageTables& page_tables,
                     FrameAllocator& frames, acpi::MadtInfo& out);

} // namespace pv::x86
