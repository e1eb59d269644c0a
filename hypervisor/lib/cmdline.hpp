// The hypervisor command line, Xen style: whitespace-separated `key`,
// `key=value` and `no-key` words, e.g.
//
//   /boot/paravane console=com1,e9 loglvl=debug dom0_mem=512M maxcpus=2
//
// As in Xen, '-' and '_' are interchangeable in option names.
#pragma once

#include "lib/log.hpp"
#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstdint>

namespace pv {

enum class ConsoleDevice : uint8_t { com1, com2, e9 };

// Which consoles the hypervisor writes to; empty means none.
class ConsoleSet {
public:
    constexpr ConsoleSet() = default;
    static constexpr ConsoleSet none() { return ConsoleSet(); }
    static constexpr ConsoleSet of(ConsoleDevice device) { return ConsoleSet().with(device); }

    constexpr ConsoleSet with(ConsoleDevice device) const {
        ConsoleSet set = *this;
        set.bits_ = static_cast<uint8_t>(set.bits_ | bit(device));
        return set;
    }
    constexpr bool has(ConsoleDevice device) const { return (bits_ & bit(device)) != 0; }
    constexpr bool empty() const { return bits_ == 0; }
    constexpr uint8_t bits() const { return bits_; }
    constexpr bool operator==(const ConsoleSet&) const = default;

private:
    static constexpr uint8_t bit(ConsoleDevice device) {
        return static_cast<uint8_t>(1u << static_cast<unsigned>(device));
    }
    uint8_t bits_ = 0;
};

// Faults the integration tests ask the hypervisor to raise on purpose.
enum class TestFault : uint8_t {
    none,
    page_fault,         // test-fault=pf
    general_protection, // test-fault=gp
    invalid_opcode,     // test-fault=ud
    divide_error,       // test-fault=de
    double_fault,       // test-fault=df
};

// How the local APIC timer is driven: TSC-deadline mode when the CPU has
// it (SDM Vol. 3 §12.5.4.1), else one-shot mode; or one of them on request.
enum class ApicTimerChoice : uint8_t {
    automatic,    // apic-timer=auto
    tsc_deadline, // apic-timer=tsc-deadline (one-shot if the CPU lacks it)
    one_shot,     // apic-timer=oneshot
};

struct HypervisorOptions {
    ConsoleSet console = ConsoleSet::of(ConsoleDevice::com1); // console=com1,com2,e9|none
    LogLevel loglvl = LogLevel::info;                         // loglvl=error|warning|info|debug|all
    uint32_t maxcpus = 0;                                     // maxcpus=N, N >= 1; 0 = all CPUs
    uint64_t dom0_mem_bytes = 0;            // dom0_mem=SIZE[K|M|G|T]; 0 = builder's default
    bool test_exit = false;                 // test-exit: leave QEMU with the verdict
    TestFault test_fault = TestFault::none; // test-fault=pf|gp|ud|de|df
    bool test_timer = false;                // test-timer
    bool test_hvm = false;                  // test-hvm (or test-svm): the hardware-container self-test
    bool smap = true;                       // smap=<bool> / no-smap: SMAP if the CPU has it (as Xen's)
    ApicTimerChoice apic_timer = ApicTimerChoice::automatic; // apic-timer=auto|tsc-deadline|oneshot
    bool counters_at_exit = false;          // counters-at-exit: log a domain's counters when it stops
};

// Receives one human-readable message per problem found on the command line.
class CmdlineDiagnostics {
public:
    virtual void report(StringView message) = 0;

protected:
    ~CmdlineDiagnostics() = default;
};

// Applies every valid option to `out` (later words win over earlier ones)
// and reports each bad one to `diag`; a bad option leaves its field as it
// was. A leading word starting with '/' is the image path (multiboot1) and is
// skipped. Returns EINVAL if anything was reported.
Status parse_cmdline(StringView cmdline, HypervisorOptions& out, CmdlineDiagnostics& diag);

} // namespace pv
