#include "dom0/console_terminal.hpp"

#include "arch/hypercall.hpp"
#include "kernel/pvclock.hpp"

namespace minios {

void ConsoleTerminal::init() {
    if (kernel_.events.shared_info() == nullptr) return;
    abi::EvtchnBindVirq bind{abi::raw(abi::Virq::timer), 0, 0};
    if (hv::event_channel_op(abi::EventChannelOp::bind_virq, &bind) < 0) return;
    timer_port_ = bind.port;
    can_block_ = true;
}

int ConsoleTerminal::poll_char() {
    if (input_next_ == input_size_) {
        input_next_ = input_size_ = 0;
        const long n = console().read(input_, sizeof input_);
        if (n < 0 && read_error_ == 0) read_error_ = n;
        if (n <= 0) return -1;
        input_size_ = static_cast<size_t>(n);
    }
    return static_cast<unsigned char>(input_[input_next_++]);
}

void ConsoleTerminal::write(pv::StringView text) {
    console().write(text);
    console().flush(); // a guest's partial line (a prompt) shows at once
}

void ConsoleTerminal::wait() {
    console().flush();
    if (!can_block_) {
        hv::sched_op(abi::SchedOp::yield);
        return;
    }
    // Blocking returns at the next event: the one-shot timer, the periodic
    // tick, or a guest's console channel. It lets the upcall in
    // (Events::on_upcall takes what is pending); minios keeps events masked
    // otherwise.
    const uint64_t now = system_time_ns(kernel_.events.vcpu_info()->time);
    kernel_.events.block(now + k_wait_ns);
    kernel_.events.clear_pending(timer_port_);
    kernel_.events.take_delivered(timer_port_);
}

} // namespace minios
