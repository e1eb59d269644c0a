#include "test/pv_test.hpp"

#include "kernel/pvclock.hpp"

namespace minios::test {

FaultCatcher fault_catcher;

bool fault_catcher_hook(TrapFrame& frame) {
    FaultCatcher& fc = fault_catcher;
    if (!fc.armed || fc.hit || frame.rip != fc.rip) return false;
    fc.hit = true;
    fc.vector = frame.vector;
    fc.error_code = frame.error_code;
    if (const abi::VcpuInfo* v = kernel().events.vcpu_info()) fc.cr2 = v->arch.cr2;
    frame.rip = fc.resume;
    return true;
}

uint64_t now_ns(const Kernel& k) {
    const abi::VcpuInfo* v = k.events.vcpu_info();
    return v != nullptr ? system_time_ns(v->time) : 0;
}

long block_with_timeout(Kernel& k, uint64_t limit_ns) {
    return k.events.block(now_ns(k) + limit_ns);
}

} // namespace minios::test
