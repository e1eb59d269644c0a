// SpinLock: a ticket lock, and LockGuard to hold it for a scope.
//
// A ticket lock rather than a test-and-set flag because it is FIFO: under
// contention every CPU gets the lock in arrival order, so no CPU can starve
// (a guest hammering one hypercall must not lock another CPU out forever).
#pragma once

#include <cstdint>

// __atomic builtins rather than std::atomic: libstdc++'s <atomic> (C++20)
// includes <cerrno>, whose EPERM/EINVAL/... macros break abi::Errno.

namespace pv {

// Called in every lock's spin-wait loop (null: nothing). The hypervisor
// services cross-CPU TLB flush requests there, so that a CPU waiting for a
// lock with interrupts off never holds up the lock's holder waiting for it.
inline void (*spin_wait_hook)() = nullptr;

class SpinLock {
public:
    constexpr SpinLock() = default;
    SpinLock(const SpinLock&) = delete;
    SpinLock& operator=(const SpinLock&) = delete;

    void lock() {
        // Take a ticket; the lock is ours when now_serving reaches it.
        const uint32_t ticket = __atomic_fetch_add(&next_ticket_, 1, __ATOMIC_RELAXED);
        while (__atomic_load_n(&now_serving_, __ATOMIC_ACQUIRE) != ticket) {
            if (spin_wait_hook) spin_wait_hook();
            cpu_relax();
        }
    }

    // Succeeds only if nobody holds the lock and nobody is queued for it:
    // then the next ticket is the one being served and we claim it.
    [[nodiscard]] bool try_lock() {
        uint32_t serving = __atomic_load_n(&now_serving_, __ATOMIC_ACQUIRE);
        return __atomic_compare_exchange_n(&next_ticket_, &serving, serving + 1, false,
                                           __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
    }

    void unlock() {
        // Only the holder writes now_serving, so a plain load + store is enough.
        const uint32_t serving = __atomic_load_n(&now_serving_, __ATOMIC_RELAXED);
        __atomic_store_n(&now_serving_, serving + 1, __ATOMIC_RELEASE);
    }

    // A snapshot, for assertions and diagnostics only.
    bool is_locked() const {
        return __atomic_load_n(&now_serving_, __ATOMIC_RELAXED) !=
               __atomic_load_n(&next_ticket_, __ATOMIC_RELAXED);
    }

    // PAUSE tells the CPU this is a spin-wait loop: it saves power and avoids
    // the memory-order mis-speculation penalty on exit (SDM Vol. 2B, PAUSE).
    static void cpu_relax() { __builtin_ia32_pause(); }

private:
    uint32_t next_ticket_ = 0; // the ticket the next locker takes
    uint32_t now_serving_ = 0; // the ticket that holds the lock
};

class [[nodiscard]] LockGuard {
public:
    explicit LockGuard(SpinLock& lock) : lock_(lock) { lock_.lock(); }
    ~LockGuard() { lock_.unlock(); }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;

private:
    SpinLock& lock_;
};

} // namespace pv
