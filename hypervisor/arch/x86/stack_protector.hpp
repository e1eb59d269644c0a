// Code built with the stack protector (-fstack-protector-strong, as Debian
// builds libfdt.a) keeps its canary at %fs:0x28: the x86-64 psABI's
// thread-control block, which glibc sets up for every thread. The
// hypervisor has no thread-local storage and guests own FS; while such code
// runs, FS points at a block of our own whose word at 0x28 is the canary.
// Only for code that runs before any guest (boot-time parsing): the guard
// is one CPU's, for the lifetime of one scope.
#pragma once

#include <cstdint>

namespace pv::x86 {

class StackProtectorScope {
public:
    StackProtectorScope();
    ~StackProtectorScope();
    StackProtectorScope(const StackProtectorScope&) = delete;
    StackProtectorScope& operator=(const StackProtectorScope&) = delete;

private:
    static constexpr unsigned k_canary_word = 0x28 / 8;
    alignas(64) uint64_t block_[k_canary_word + 1] = {};
    uint64_t saved_fs_base_ = 0;
};

} // namespace pv::x86
