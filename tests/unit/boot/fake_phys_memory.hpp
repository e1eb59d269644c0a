// A byte buffer standing for a window of physical memory, for the boot
// parser tests: readable from `base` to base + size, except for an optional
// hole, and nothing else.
#pragma once

#include "boot/multiboot/phys_reader.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace pv::test {

class FakePhysMemory final : public PhysReader {
public:
    FakePhysMemory(uint64_t base, size_t size) : base_(base), bytes_(size, 0) {}

    bool read(uint64_t phys, void* dst, size_t len) override {
        ++reads;
        if (phys < base_ || phys - base_ > bytes_.size() || len > bytes_.size() - (phys - base_)) return false;
        if (hole_length_ != 0 && phys < hole_base_ + hole_length_ && hole_base_ < phys + len) return false;
        std::memcpy(dst, bytes_.data() + (phys - base_), len);
        return true;
    }

    void make_unreadable(uint64_t phys, uint64_t length) {
        hole_base_ = phys;
        hole_length_ = length;
    }

    uint8_t* at(uint64_t phys) {
        check_in_range(phys);
        return bytes_.data() + (phys - base_);
    }
    void put_bytes(uint64_t phys, const void* src, size_t len) {
        check_in_range(phys + len - 1);
        std::memcpy(at(phys), src, len);
    }
    void put8(uint64_t phys, uint8_t v) { put_bytes(phys, &v, 1); }
    void put16(uint64_t phys, uint16_t v) { put_bytes(phys, &v, 2); }
    void put32(uint64_t phys, uint32_t v) { put_bytes(phys, &v, 4); }
    void put64(uint64_t phys, uint64_t v) { put_bytes(phys, &v, 8); }
    // Writes s and its terminator.
    void put_string(uint64_t phys, const std::string& s) { put_bytes(phys, s.c_str(), s.size() + 1); }

    uint64_t base() const { return base_; }
    uint64_t end() const { return base_ + bytes_.size(); }

    size_t reads = 0;

private:
    void check_in_range(uint64_t phys) const {
        if (phys < base_ || phys - base_ >= bytes_.size()) throw std::out_of_range("fake memory write");
    }

    uint64_t base_;
    std::vector<uint8_t> bytes_;
    uint64_t hole_base_ = 0;
    uint64_t hole_length_ = 0;
};

} // namespace pv::test
