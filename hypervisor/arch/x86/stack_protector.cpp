#include "arch/x86/stack_protector.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/panic.hpp"

namespace pv::x86 {

StackProtectorScope::StackProtectorScope() {
    // Any value catches a linear overwrite; the TSC makes it differ per boot.
    // The low byte is zero, as glibc's, so that a string copy stops at it.
    block_[k_canary_word] = rdtsc() << 8;
    saved_fs_base_ = rdmsr(msr::fs_base);
    wrmsr(msr::fs_base, reinterpret_cast<uint64_t>(block_));
}

StackProtectorScope::~StackProtectorScope() {
    wrmsr(msr::fs_base, saved_fs_base_);
}

} // namespace pv::x86

// A protected function found its canary overwritten: its stack frame is
// corrupt, so nothing it would return to can be trusted.
extern "C" [[noreturn]] void __stack_chk_fail() {
    pv::x86::panic("stack protector: a corrupted stack frame");
}
