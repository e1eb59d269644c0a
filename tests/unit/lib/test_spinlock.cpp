#include "lib/spinlock.hpp"

#include <catch2/catch.hpp>

#include <thread>
#include <type_traits>

static_assert(!std::is_copy_constructible_v<pv::SpinLock>);
static_assert(!std::is_copy_constructible_v<pv::LockGuard>);
static_assert(!std::is_copy_assignable_v<pv::LockGuard>);

TEST_CASE("SpinLock: try_lock succeeds only on a free lock", "[spinlock]") {
    pv::SpinLock lock;
    CHECK_FALSE(lock.is_locked());
    REQUIRE(lock.try_lock());
    CHECK(lock.is_locked());
    CHECK_FALSE(lock.try_lock());
    lock.unlock();
    CHECK_FALSE(lock.is_locked());
    CHECK(lock.try_lock());
    lock.unlock();
}

TEST_CASE("SpinLock: lock blocks try_lock until unlock", "[spinlock]") {
    pv::SpinLock lock;
    lock.lock();
    CHECK_FALSE(lock.try_lock());
    lock.unlock();
    CHECK(lock.try_lock());
    lock.unlock();
    // Many cycles: tickets keep matching up.
    for (int i = 0; i < 1000; ++i) {
        lock.lock();
        lock.unlock();
    }
    CHECK(lock.try_lock());
    lock.unlock();
}

TEST_CASE("LockGuard holds the lock for its scope", "[spinlock]") {
    pv::SpinLock lock;
    {
        pv::LockGuard guard(lock);
        CHECK(lock.is_locked());
        CHECK_FALSE(lock.try_lock());
    }
    CHECK_FALSE(lock.is_locked());
    CHECK(lock.try_lock());
    lock.unlock();
}

TEST_CASE("SpinLock: excludes another thread", "[spinlock]") {
    pv::SpinLock lock;
    long counter = 0; // guarded by lock; a plain long so a lost update shows
    constexpr int k_iterations = 200000;
    auto work = [&] {
        for (int i = 0; i < k_iterations; ++i) {
            pv::LockGuard guard(lock);
            const long seen = counter;
            counter = seen + 1;
        }
    };
    std::thread other(work);
    work();
    other.join();
    CHECK(counter == 2L * k_iterations);
    CHECK_FALSE(lock.is_locked());
}

TEST_CASE("SpinLock: try_lock and lock mix across threads", "[spinlock]") {
    pv::SpinLock lock;
    long counter = 0;
    constexpr int k_iterations = 100000;
    std::thread other([&] {
        for (int i = 0; i < k_iterations; ++i) {
            while (!lock.try_lock()) {
            }
            ++counter;
            lock.unlock();
        }
    });
    for (int i = 0; i < k_iterations; ++i) {
        pv::LockGuard guard(lock);
        ++counter;
    }
    other.join();
    CHECK(counter == 2L * k_iterations);
}
