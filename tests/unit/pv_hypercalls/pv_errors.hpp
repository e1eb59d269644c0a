// The -errno values the PV hypercall tests expect, spelled before any
// standard header can define EINVAL and friends as macros: include this
// first, then pv_fixture.hpp, then Catch.
#pragma once

#include "include/public/errno.hpp"

namespace pv::test {

constexpr long err(abi::Errno e) {
    return -static_cast<long>(e);
}

inline constexpr long k_eperm = err(abi::Errno::EPERM);
inline constexpr long k_eacces = err(abi::Errno::EACCES);
inline constexpr long k_esrch = err(abi::Errno::ESRCH);
inline constexpr long k_e2big = err(abi::Errno::E2BIG);
inline constexpr long k_efault = err(abi::Errno::EFAULT);
inline constexpr long k_enodev = err(abi::Errno::ENODEV);
inline constexpr long k_einval = err(abi::Errno::EINVAL);
inline constexpr long k_enosys = err(abi::Errno::ENOSYS);
inline constexpr long k_enodata = err(abi::Errno::ENODATA);
inline constexpr long k_enobufs = err(abi::Errno::ENOBUFS);
inline constexpr long k_erestart = err(abi::Errno::ERESTART);

} // namespace pv::test
