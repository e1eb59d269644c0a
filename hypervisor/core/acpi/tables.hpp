// Finding a table through the root table the RSDP points at: the XSDT
// (64-bit entries, ACPI 6.5 §5.2.8) when the RSDP has one, else the RSDT
// (32-bit entries, §5.2.7). Every table on the way is checksummed.
#pragma once

#include "boot/multiboot/phys_reader.hpp"
#include "core/acpi/rsdp.hpp"
#include "core/acpi/sdt.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::acpi {

struct TableLocation {
    uint64_t phys = 0;
    uint32_t length = 0;
    bool via_xsdt = false; // which root table led here
};

// The first table with `signature` (4 characters, e.g. "APIC") whose length
// and checksum are good. The XSDT is preferred; if it is missing or broken
// (bad checksum or length) the RSDT is used instead, as ACPI 1.0 firmware
// and some buggy 2.0 firmware need. Entries that are 0, unreadable or fail
// their own checks are skipped. ENOENT when no good table has the signature;
// the root table's own error when neither root table is usable.
Result<TableLocation> find_table(PhysReader& mem, const Rsdp& rsdp, const char* signature,
                                 const char** reason = nullptr);

// Copies a found table into buf[0..cap) and checks it again there (the
// firmware's copy is the only one; a second read is cheap insurance against
// a table that changed or a reader that lies). Returns the length copied.
// ENOSPC if the table does not fit.
Result<size_t> load_table(PhysReader& mem, const TableLocation& where, const char* signature,
                          uint8_t* buf, size_t cap);

} // namespace pv::acpi
