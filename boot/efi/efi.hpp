// GNU-EFI's headers for C++, with the firmware's calling convention on every
// EFIAPI function pointer (GNU_EFI_USE_MS_ABI, set by CMake), so protocol
// functions are called directly rather than through uefi_call_wrapper.
#pragma once

extern "C" {
#include <efi.h>
}

namespace pv::efi {

// UCS-2 literals as the firmware's CHAR16 strings.
inline CHAR16* ucs2(const char16_t* s) {
    return reinterpret_cast<CHAR16*>(const_cast<char16_t*>(s));
}

// EFI_ERROR without its macro's missing parentheses.
constexpr bool failed(EFI_STATUS status) {
    return static_cast<INTN>(status) < 0;
}

} // namespace pv::efi
