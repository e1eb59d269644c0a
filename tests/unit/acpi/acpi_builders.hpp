// Synthetic ACPI tables for the parser tests: byte vectors with the common
// header filled in and the checksum fixed, and helpers that place them in
// a FakePhysMemory.
#pragma once

#include "core/acpi/rsdp.hpp"
#include "core/acpi/sdt.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pv::test {

using Bytes = std::vector<uint8_t>;

inline void put_le(Bytes& b, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
        b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
// GCC 12 at -O2 reports a false stringop-overflow through vector::operator[]
// here; the index is always inside the vector.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
inline void set_le(Bytes& b, size_t at, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
        b.at(at + i) = static_cast<uint8_t>(v >> (8 * i));
}
#pragma GCC diagnostic pop

// Makes byte `at` such that the whole of b[0..len) sums to zero.
inline void fix_checksum(Bytes& b, size_t at, size_t len) {
    b[at] = 0;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; ++i)
        sum = static_cast<uint8_t>(sum + b[i]);
    b[at] = static_cast<uint8_t>(-sum);
}

// A table: the 36-byte header, then `body`; length and checksum are right.
inline Bytes make_table(const std::string& signature, const Bytes& body, uint8_t revision = 1) {
    Bytes b(signature.begin(), signature.end());
    b.resize(4);
    put_le(b, 36 + body.size(), 4);
    b.push_back(revision);
    b.push_back(0); // checksum
    for (char c : std::string("PVTEST"))
        b.push_back(static_cast<uint8_t>(c));
    for (char c : std::string("PARAVANE"))
        b.push_back(static_cast<uint8_t>(c));
    put_le(b, 1, 4);
    put_le(b, 0x50565056, 4);
    put_le(b, 1, 4);
    b.insert(b.end(), body.begin(), body.end());
    fix_checksum(b, 9, b.size());
    return b;
}

// An RSDP of revision 0 (20 bytes) or 2 (36 bytes), checksums right.
inline Bytes make_rsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt = 0) {
    Bytes b;
    for (char c : std::string("RSD PTR "))
        b.push_back(static_cast<uint8_t>(c));
    b.push_back(0);
    for (char c : std::string("PVOEM!"))
        b.push_back(static_cast<uint8_t>(c));
    b.push_back(revision);
    put_le(b, rsdt, 4);
    if (revision >= 2) {
        put_le(b, 36, 4);
        put_le(b, xsdt, 8);
        b.push_back(0);
        put_le(b, 0, 3);
    }
    fix_checksum(b, 8, 20);
    if (revision >= 2) fix_checksum(b, 32, 36);
    return b;
}

} // namespace pv::test
