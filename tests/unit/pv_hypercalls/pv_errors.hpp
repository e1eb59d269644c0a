// The -errno values the PV hypercall tests expect, spelled before any
// standard header can define EINVAL and friends as macros: include this
// first, then pv_fixture.hpp, then Catch.
#pragma once

#include "include/public/errno.hpp"

namespace pv::test {

constexpr long err(abi::Errno e) {
    return -static_cast<long>(e);
}

inline constexpr long k_eperm = err(abi::Errno::eperm);
inline constexpr long k_eacces = err(abi::Errno::eacces);
inline constexpr long k_esrch = err(abi::Errno::esrch);
inline constexpr long k_e2big = err(abi::Errno::e2big);
inline constexpr long k_efault = err(abi::Errno::efault);
inline constexpr long k_enodev = err(abi::Errno::enodev);
inline constexpr long k_einval = err(abi::Errno::einval);
inline constexpr long k_enosys = err(abi::Errno::enosys);
inline constexpr long k_enodata = err(abi::Errno::enodata);
inline constexpr long k_enobufs = err(abi::Errno::enobufs);
inline constexpr long k_erestart = err(abi::Errno::erestart);

} // namespace pv::test
