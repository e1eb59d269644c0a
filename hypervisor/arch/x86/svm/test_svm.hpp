// test-svm: builds a hardware container, runs a tiny guest program in it and
// checks every exit it takes and what it leaves in its memory.
#pragma once

#include "arch/x86/hvm/container.hpp"
#include "core/memory/frame_allocator.hpp"

namespace pv::x86 {

// On the boot CPU with interrupts off. `backend` is null when the CPU has no
// usable SVM: logs "svm: not available" and returns true (nothing to test).
// Otherwise logs "svm: self-test passed (N exits)" and returns true, or logs
// what went wrong ("svm: self-test failed: ...") and returns false.
bool run_svm_test(hvm::Backend* backend, FrameAllocator& frames);

} // namespace pv::x86
