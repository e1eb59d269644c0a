// Deliberate faults for the integration tests (test-fault=...): each must end
// in the crash dump and a failing verdict, proving the dump path works.
#pragma once

#include "lib/cmdline.hpp"

namespace pv::x86 {

void raise_test_fault(TestFault fault);

} // namespace pv::x86
