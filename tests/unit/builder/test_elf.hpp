// Builds small ELF64 x86-64 files in memory for the builder tests: a header,
// program headers, segment bytes and optionally note sections, laid out
// field by field at the ELF-64 specification's offsets. Tests then break
// single fields with put16/put32/put64.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pv::test {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& b, size_t at, uint16_t v) {
    for (size_t i = 0; i < 2; ++i)
        b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put32(Bytes& b, size_t at, uint32_t v) {
    for (size_t i = 0; i < 4; ++i)
        b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put64(Bytes& b, size_t at, uint64_t v) {
    for (size_t i = 0; i < 8; ++i)
        b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void append32(Bytes& b, uint32_t v) {
    b.resize(b.size() + 4);
    put32(b, b.size() - 4, v);
}
inline void append64(Bytes& b, uint64_t v) {
    b.resize(b.size() + 8);
    put64(b, b.size() - 8, v);
}
inline void pad4(Bytes& b) {
    while (b.size() % 4 != 0)
        b.push_back(0);
}

// Header field offsets (Elf64_Ehdr), program header field offsets (Elf64_Phdr).
namespace ehdr {
constexpr size_t ident_class = 4, ident_data = 5, ident_version = 6;
constexpr size_t type = 16, machine = 18, version = 20, entry = 24, phoff = 32, shoff = 40;
constexpr size_t phentsize = 54, phnum = 56, shentsize = 58, shnum = 60;
} // namespace ehdr
namespace phdr {
constexpr size_t base = 64, size = 56;
constexpr size_t type = 0, flags = 4, offset = 8, vaddr = 16, paddr = 24, filesz = 32, memsz = 40;
inline size_t at(size_t index, size_t field) {
    return base + index * size + field;
}
} // namespace phdr

// A sequence of ELF notes with 4-byte padding.
class Notes {
public:
    // Any owner; `name` gets its NUL appended and counted in namesz.
    Notes& raw(const std::string& name, uint32_t type, const Bytes& desc) {
        append32(bytes_, static_cast<uint32_t>(name.size() + 1));
        append32(bytes_, static_cast<uint32_t>(desc.size()));
        append32(bytes_, type);
        bytes_.insert(bytes_.end(), name.begin(), name.end());
        bytes_.push_back(0);
        pad4(bytes_);
        bytes_.insert(bytes_.end(), desc.begin(), desc.end());
        pad4(bytes_);
        return *this;
    }
    Notes& xen(uint32_t type, const Bytes& desc) { return raw("Xen", type, desc); }
    Notes& str(uint32_t type, const std::string& s, bool with_nul = true) {
        Bytes d(s.begin(), s.end());
        if (with_nul) d.push_back(0);
        return xen(type, d);
    }
    Notes& u32(uint32_t type, uint32_t v) {
        Bytes d;
        append32(d, v);
        return xen(type, d);
    }
    Notes& u64(uint32_t type, uint64_t v) {
        Bytes d;
        append64(d, v);
        return xen(type, d);
    }
    // Arbitrary bytes, for malformed notes.
    Notes& append(const Bytes& b) {
        bytes_.insert(bytes_.end(), b.begin(), b.end());
        return *this;
    }
    const Bytes& bytes() const { return bytes_; }

private:
    Bytes bytes_;
};

class ElfBuilder {
public:
    static constexpr uint32_t k_rx = 5, k_rw = 6;

    ElfBuilder& entry(uint64_t e) {
        entry_ = e;
        return *this;
    }
    ElfBuilder& load(uint64_t vaddr, uint64_t paddr, size_t filesz, uint64_t memsz,
                     uint32_t flags = k_rx) {
        Bytes data(filesz);
        for (size_t i = 0; i < filesz; ++i)
            data[i] = static_cast<uint8_t>(0xa0 + i);
        segments_.push_back({1, flags, vaddr, paddr, data, memsz, 0x1000, false});
        return *this;
    }
    // A PT_NOTE segment; `misalign` puts its data at an offset that is 1 mod 4.
    ElfBuilder& note_segment(const Notes& n, bool misalign = false) {
        segments_.push_back({4, 4, 0, 0, n.bytes(), n.bytes().size(), 4, misalign});
        return *this;
    }
    // An SHT_NOTE section not covered by any segment.
    ElfBuilder& note_section(const Notes& n) {
        sections_.push_back(n.bytes());
        return *this;
    }

    Bytes build() const {
        Bytes b(64 + 56 * segments_.size());
        b[0] = 0x7f, b[1] = 'E', b[2] = 'L', b[3] = 'F';
        b[ehdr::ident_class] = 2;
        b[ehdr::ident_data] = 1;
        b[ehdr::ident_version] = 1;
        put16(b, ehdr::type, 2);
        put16(b, ehdr::machine, 62);
        put32(b, ehdr::version, 1);
        put64(b, ehdr::entry, entry_);
        put64(b, ehdr::phoff, 64);
        put16(b, 52, 64); // e_ehsize
        put16(b, ehdr::phentsize, 56);
        put16(b, ehdr::phnum, static_cast<uint16_t>(segments_.size()));

        for (size_t i = 0; i < segments_.size(); ++i) {
            const Segment& s = segments_[i];
            while (b.size() % 8 != 0)
                b.push_back(0);
            if (s.misalign) b.push_back(0);
            const size_t offset = b.size();
            b.insert(b.end(), s.data.begin(), s.data.end());
            put32(b, phdr::at(i, phdr::type), s.type);
            put32(b, phdr::at(i, phdr::flags), s.flags);
            put64(b, phdr::at(i, phdr::offset), offset);
            put64(b, phdr::at(i, phdr::vaddr), s.vaddr);
            put64(b, phdr::at(i, phdr::paddr), s.paddr);
            put64(b, phdr::at(i, phdr::filesz), s.data.size());
            put64(b, phdr::at(i, phdr::memsz), s.memsz);
            put64(b, phdr::at(i, 48), s.align);
        }

        if (!sections_.empty()) {
            std::vector<size_t> offsets;
            for (const Bytes& data : sections_) {
                pad4(b);
                offsets.push_back(b.size());
                b.insert(b.end(), data.begin(), data.end());
            }
            while (b.size() % 8 != 0)
                b.push_back(0);
            const size_t shoff = b.size();
            b.resize(b.size() + 64 * (sections_.size() + 1)); // [0] is the null section
            for (size_t i = 0; i < sections_.size(); ++i) {
                const size_t sh = shoff + 64 * (i + 1);
                put32(b, sh + 4, 7); // SHT_NOTE
                put64(b, sh + 24, offsets[i]);
                put64(b, sh + 32, sections_[i].size());
                put64(b, sh + 48, 4); // sh_addralign
            }
            put64(b, ehdr::shoff, shoff);
            put16(b, ehdr::shentsize, 64);
            put16(b, ehdr::shnum, static_cast<uint16_t>(sections_.size() + 1));
        }
        return b;
    }

private:
    struct Segment {
        uint32_t type;
        uint32_t flags;
        uint64_t vaddr;
        uint64_t paddr;
        Bytes data;
        uint64_t memsz;
        uint64_t align;
        bool misalign;
    };
    uint64_t entry_ = 0;
    std::vector<Segment> segments_;
    std::vector<Bytes> sections_;
};

// One to four random edits of a file (a byte replaced, a bit flipped, a
// byte set to 0xff, the file cut short), for the builders' robustness tests.
template <typename Random> void mutate(Bytes& file, Random& random) {
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !file.empty(); ++e) {
        const size_t at = random() % file.size();
        switch (random() % 4) {
        case 0:
            file[at] = static_cast<uint8_t>(random());
            break;
        case 1:
            file[at] ^= static_cast<uint8_t>(1u << (random() % 8));
            break;
        case 2:
            file[at] = 0xff;
            break;
        case 3:
            file.resize(at + 1);
            break;
        }
    }
}

} // namespace pv::test
