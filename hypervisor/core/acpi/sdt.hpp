// What every ACPI system description table starts with, and the checksum
// rule they share (ACPI 6.5 §5.2.6): all bytes of a table, checksum field
// included, add up to zero modulo 256.
//
// Everything in core/acpi reads firmware memory only through a PhysReader
// (boot/multiboot/phys_reader.hpp): the hypervisor implements it over its
// direct map, the unit tests over a byte buffer. Error values used here:
//   EFAULT   a byte the table claims is not readable
//   EBADMSG  a checksum does not add up
//   EINVAL   a length or a signature is wrong (malformed table)
//   ENOENT   the table (or an RSDP) is not there
//   ENOSPC   the caller's buffer is too small for the table
#pragma once

#include "boot/multiboot/phys_reader.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::acpi {

struct [[gnu::packed]] SdtHeader {
    char signature[4];
    uint32_t length; // the whole table, header included
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
};
static_assert(sizeof(SdtHeader) == 36);

// Larger than any real table (a DSDT is at most a few hundred KiB): a
// length beyond this is corruption, and would make us read gigabytes.
inline constexpr uint32_t k_max_table_length = 16u << 20;

// Sum of `len` bytes, modulo 256: 0 for a good table.
uint8_t byte_sum(const void* bytes, size_t len);

// The same over firmware memory, read in small chunks. EFAULT if unreadable.
Result<uint8_t> byte_sum(PhysReader& mem, uint64_t phys, uint64_t len);

inline bool signature_is(const char (&have)[4], const char* want) {
    return have[0] == want[0] && have[1] == want[1] && have[2] == want[2] && have[3] == want[3];
}

// Reads the header at `phys` and checks the signature, that the length
// covers at least the header (+ `min_length` if larger), is at most
// k_max_table_length and does not wrap,
// and the checksum over the whole table.
Result<SdtHeader> read_checked_header(PhysReader& mem, uint64_t phys, const char* signature,
                                      uint32_t min_length = sizeof(SdtHeader),
                                      const char** reason = nullptr);

} // namespace pv::acpi
