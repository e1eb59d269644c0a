// The toolstack's Terminal on Dom0's console: typed bytes come from
// console_io read (polled: the hypervisor raises no event for serial input),
// text goes out through the kernel's Console, and "nothing to do" blocks
// the vCPU until the next timer tick instead of spinning, so that an idle
// Dom0 leaves the CPUs to the guests.
#pragma once

#include "dom0-tools/lib/toolstack/toolstack.hpp"
#include "kernel/kernel.hpp"

#include <cstddef>
#include <cstdint>

namespace minios {

class ConsoleTerminal final : public pv::tools::Terminal {
public:
    explicit ConsoleTerminal(Kernel& k) : kernel_(k) {}

    // Binds VIRQ_TIMER so that wait() can block; without it (no shared_info,
    // or the bind fails) wait() yields instead.
    void init();

    int poll_char() override;
    void write(pv::StringView text) override;
    void wait() override;

    // The first failed console_io read (0 if none), for one report.
    long read_error() const { return read_error_; }

    static constexpr uint64_t k_wait_ns = 10'000'000; // 10 ms: keys still feel immediate

private:
    Kernel& kernel_;
    char input_[64];
    size_t input_size_ = 0;
    size_t input_next_ = 0;
    long read_error_ = 0;
    uint32_t timer_port_ = 0;
    bool can_block_ = false;
};

} // namespace minios
