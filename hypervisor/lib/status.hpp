// Status and Result<T>: how fallible code reports errors without exceptions.
// Errors carry Xen errno values so a hypercall can return -errno directly.
#pragma once

#include "include/public/errno.hpp"

#include <type_traits>
#include <utility>

namespace pv {

using abi::Errno;

class [[nodiscard]] Status {
public:
    constexpr Status() = default;
    constexpr Status(Errno e) : error_(static_cast<int>(e)) {}
    static constexpr Status ok() { return Status(); }

    constexpr bool is_ok() const { return error_ == 0; }
    constexpr explicit operator bool() const { return is_ok(); }
    constexpr Errno error() const { return static_cast<Errno>(error_); }
    // The value a hypercall returns to the guest: 0 or -errno.
    constexpr long as_return() const { return -static_cast<long>(error_); }
    constexpr bool operator==(const Status&) const = default;

private:
    int error_ = 0;
};

template <typename T> class [[nodiscard]] Result {
public:
    constexpr Result(const T& value) : value_(value), ok_(true) {}
    constexpr Result(T&& value) : value_(std::move(value)), ok_(true) {}
    constexpr Result(Errno e) : value_(), ok_(false), error_(e) {}
    constexpr Result(Status s) : value_(), ok_(s.is_ok()), error_(s.error()) {}

    constexpr bool is_ok() const { return ok_; }
    constexpr explicit operator bool() const { return ok_; }
    constexpr Status status() const { return ok_ ? Status() : Status(error_); }
    constexpr Errno error() const { return error_; }
    constexpr T& value() { return value_; }
    constexpr const T& value() const { return value_; }
    constexpr T& operator*() { return value_; }
    constexpr const T& operator*() const { return value_; }
    constexpr T* operator->() { return &value_; }
    constexpr const T* operator->() const { return &value_; }
    constexpr T value_or(const T& fallback) const { return ok_ ? value_ : fallback; }

private:
    static_assert(std::is_default_constructible_v<T>, "Result<T> needs a default-constructible T");
    T value_;
    bool ok_;
    Errno error_ = Errno{};
};

} // namespace pv

// TRY(expr): evaluate a Status or Result; on error return its status from the
// enclosing function. For Result<T>, TRY yields the value.
#define PV_TRY_CONCAT_(a, b) a##b
#define PV_TRY_CONCAT(a, b) PV_TRY_CONCAT_(a, b)
#define TRY(expr)                                                                                  \
    ({                                                                                             \
        auto&& PV_TRY_CONCAT(try_result_, __LINE__) = (expr);                                      \
        if (!PV_TRY_CONCAT(try_result_, __LINE__)) return PV_TRY_CONCAT(try_result_, __LINE__).error(); \
        ::pv::detail::try_value(PV_TRY_CONCAT(try_result_, __LINE__));                             \
    })

namespace pv::detail {
inline void try_value(const Status&) {}
template <typename T> T try_value(Result<T>& r) { return std::move(r.value()); }
template <typename T> T try_value(const Result<T>& r) { return r.value(); }
} // namespace pv::detail
