#include "core/acpi/tables.hpp"

namespace pv::acpi {

namespace {

// Searches one root table whose entries are `entry_size` bytes wide.
Result<TableLocation> search_root(PhysReader& mem, uint64_t root_phys, const char* root_signature,
                                  size_t entry_size, const char* signature, const char** reason) {
    auto root = read_checked_header(mem, root_phys, root_signature, sizeof(SdtHeader), reason);
    if (!root) return root.status();
    // A length that is not header + whole entries is malformed; a partial
    // trailing entry would be read past the table otherwise.
    uint64_t body = root->length - sizeof(SdtHeader);
    if (body % entry_size != 0) {
        if (reason) *reason = "root table length is not a whole number of entries";
        return Errno::einval;
    }
    for (uint64_t offset = 0; offset < body; offset += entry_size) {
        uint64_t entry = 0; // little-endian: a 4-byte read fills the low half
        if (!mem.read(root_phys + sizeof(SdtHeader) + offset, &entry, entry_size))
            return Errno::efault;
        if (entry == 0) continue;
        SdtHeader header;
        if (!read_object(mem, entry, header) || !signature_is(header.signature, signature))
            continue;
        auto checked = read_checked_header(mem, entry, signature);
        if (!checked) continue; // a broken copy; a later entry may be good
        return TableLocation{entry, checked->length, entry_size == 8};
    }
    if (reason) *reason = "no such table";
    return Errno::enoent;
}

} // namespace

Result<TableLocation> find_table(PhysReader& mem, const Rsdp& rsdp, const char* signature,
                                 const char** reason) {
    if (rsdp.xsdt_address != 0) {
        auto found = search_root(mem, rsdp.xsdt_address, "XSDT", 8, signature, reason);
        // A good XSDT is authoritative; only a broken one sends us to the RSDT.
        if (found || found.error() == Errno::enoent || rsdp.rsdt_address == 0) return found;
    }
    if (rsdp.rsdt_address == 0) {
        if (reason) *reason = "no root table";
        return Errno::enoent;
    }
    return search_root(mem, rsdp.rsdt_address, "RSDT", 4, signature, reason);
}

Result<size_t> load_table(PhysReader& mem, const TableLocation& where, const char* signature,
                          uint8_t* buf, size_t cap) {
    if (where.length < sizeof(SdtHeader)) return Errno::einval;
    if (buf == nullptr || where.length > cap) return Errno::enospc;
    if (!mem.read(where.phys, buf, where.length)) return Errno::efault;
    SdtHeader header;
    for (size_t i = 0; i < sizeof header; ++i)
        reinterpret_cast<uint8_t*>(&header)[i] = buf[i];
    if (!signature_is(header.signature, signature) || header.length != where.length)
        return Errno::einval;
    if (byte_sum(buf, where.length) != 0) return Errno::ebadmsg;
    return static_cast<size_t>(where.length);
}

} // namespace pv::acpi
