// A host CPU for the CPUID policy tests: answers from a table, zeros for
// anything not in it (as an AMD CPU does past its last leaf).
#pragma once

#include "core/hvm/cpuid_policy.hpp"

#include <cstdint>
#include <map>
#include <utility>

namespace pv::test {

class FakeHostCpuid final : public hvm::HostCpuid {
public:
    hvm::CpuidLeaf query(uint32_t leaf, uint32_t subleaf) const override {
        auto it = leaves.find({leaf, subleaf});
        return it == leaves.end() ? hvm::CpuidLeaf{0, 0, 0, 0} : it->second;
    }
    void set(uint32_t leaf, uint32_t subleaf, hvm::CpuidLeaf value) { leaves[{leaf, subleaf}] = value; }

    // Every feature bit set in the leaves the policy filters, so that the
    // tests see what it hides; vendor "AuthenticAMD" or "GenuineIntel".
    static FakeHostCpuid everything(bool intel, uint32_t max_basic = 0x1f,
                                    uint32_t max_extended = 0x8000'0021) {
        FakeHostCpuid h;
        if (intel) h.set(0, 0, {max_basic, 0x756e6547, 0x6c65746e, 0x49656e69});
        else h.set(0, 0, {max_basic, 0x68747541, 0x444d4163, 0x69746e65});
        h.set(1, 0, {0x000a0f10, 0x00ff0800 | 0x07000000, 0xffffffff & ~(1u << 31), 0xffffffff});
        h.set(2, 0, {0x00feff01, 0, 0, 0});
        h.set(4, 0, {0xfc004121, 0x01c0003f, 0x3f, 0});
        h.set(5, 0, {0x40, 0x40, 3, 0x11142120});
        h.set(6, 0, {0x77, 2, 9, 0});
        h.set(7, 0, {2, 0xffffffff, 0xffffffff, 0xffffffff});
        h.set(7, 1, {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff});
        h.set(7, 2, {0, 0, 0, 0x3f});
        h.set(0xa, 0, {0x07300805, 0, 0, 0x603});
        h.set(0xb, 0, {1, 2, 0x100, 0x77});
        // XSAVE: x87, SSE, AVX (256 @ 576), MPX (3, 4), AVX-512 (5-7),
        // PT (8, supervisor), PKRU (9: 8 @ 2688).
        h.set(0xd, 0, {0x2ff, 0x340, 0xa88, 0});
        h.set(0xd, 1, {0xf, 0x988, 0x100, 0});
        h.set(0xd, 2, {256, 576, 0, 0});
        h.set(0xd, 3, {64, 960, 0, 0});
        h.set(0xd, 4, {64, 1024, 0, 0});
        h.set(0xd, 5, {64, 1088, 0, 0});
        h.set(0xd, 6, {512, 1152, 0, 0});
        h.set(0xd, 7, {1024, 1664, 0, 0});
        h.set(0xd, 8, {128, 0, 1, 0});
        h.set(0xd, 9, {8, 2688, 2, 0});
        h.set(0x12, 0, {3, 0, 0, 0});
        h.set(0x14, 0, {1, 0xf, 7, 0});
        h.set(0x1f, 0, {1, 2, 0x100, 0x77});
        h.set(0x8000'0000, 0, {max_extended, h.query(0, 0).ebx, h.query(0, 0).ecx, h.query(0, 0).edx});
        h.set(0x8000'0001, 0, {0x00a00f10, 0x20000000, 0xffffffff, 0xffffffff});
        h.set(0x8000'0002, 0, {0x20444d41, 0x657a7952, 0x2035206e, 0x30303633});
        h.set(0x8000'0007, 0, {0, 0x3b, 0, 0x6799});
        h.set(0x8000'0008, 0, {0x3030, 0xffffffff, 0x700b, 0x10007});
        h.set(0x8000'000a, 0, {1, 0x8000, 0, 0x1ebfbcff});
        h.set(0x8000'001f, 0, {0x1ef, 0x16f, 0x1fd, 1});
        return h;
    }

private:
    std::map<std::pair<uint32_t, uint32_t>, hvm::CpuidLeaf> leaves;
};

} // namespace pv::test
