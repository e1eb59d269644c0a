// test-hvm (alias test-svm): builds a hardware container with the machine's
// backend, runs a tiny guest program in it and checks every exit it takes
// and what it leaves in its memory. The same program and checks serve both
// vendors.
#pragma once

#include "arch/x86/hvm/container.hpp"
#include "core/memory/frame_allocator.hpp"

namespace pv::x86 {

// On the boot CPU with interrupts off. `backend` is null when the CPU has no
// usable hardware virtualization: logs "hvm: not available" and returns true
// (nothing to test). Otherwise logs "hvm: self-test passed on VENDOR (N
// exits)" and returns true, or logs what went wrong ("hvm: self-test
// failed: ...") and returns false.
// Then runs the second part below.
bool run_container_test(hvm::Backend* backend, FrameAllocator& frames);

// A guest started in 64-bit mode opens an interrupt window, takes an
// injected vector through its own IDT and halts (test_container_guest64.S).
// Logs "hvm: interrupt injection passed on VENDOR (64-bit guest)" or the
// failure; the backend is enabled on this CPU already.
bool run_container_interrupt_test(hvm::Backend& backend, FrameAllocator& frames);

} // namespace pv::x86
