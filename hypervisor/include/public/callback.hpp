// callback_op(cmd, arg): register the guest kernel's entry points for event
// upcalls, failsafe returns, user-mode SYSCALL and NMIs. Numbers and layouts
// of Xen's callback.h (x86-64: a callback is just a 64-bit address).
//
// The legacy set_callbacks hypercall (4) on x86-64 takes three addresses:
// rdi = event callback, rsi = failsafe callback, rdx = syscall callback.
#ifndef PARAVANE_PUBLIC_CALLBACK_HPP
#define PARAVANE_PUBLIC_CALLBACK_HPP

#include "types.hpp"

namespace pv::abi {

enum class CallbackOp : uint32_t {
    register_callback = 0,   // arg: CallbackRegister*
    unregister_callback = 1, // arg: CallbackUnregister*
};

enum class CallbackType : uint16_t {
    event = 0,               // event-channel upcalls (events are always masked on entry)
    failsafe = 1,            // the hypervisor could not restore guest segment state
    syscall = 2,             // SYSCALL from 64-bit guest user mode
    sysenter_deprecated = 3, // old number of sysenter
    nmi = 4,                 // NMI delivery (events are always masked on entry)
    sysenter = 5,            // SYSENTER from 32-bit guest user mode
    syscall32 = 7,           // SYSCALL from 32-bit guest user mode
};

// CallbackRegister::flags: mask events on entry. Ignored for event and NMI,
// which always mask.
inline constexpr uint16_t k_callbackf_mask_events = 1u << 0;

struct CallbackRegister {
    uint16_t type;  // CallbackType
    uint16_t flags; // k_callbackf_*
    uint32_t pad;
    uint64_t address; // entry point, a guest kernel virtual address
};
static_assert(sizeof(CallbackRegister) == 16);
static_assert(offsetof(CallbackRegister, type) == 0);
static_assert(offsetof(CallbackRegister, flags) == 2);
static_assert(offsetof(CallbackRegister, address) == 8);

// Not every type can be unregistered; those that cannot give -EINVAL.
struct CallbackUnregister {
    uint16_t type; // CallbackType
    uint16_t unused;
};
static_assert(sizeof(CallbackUnregister) == 4);
static_assert(offsetof(CallbackUnregister, type) == 0);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_CALLBACK_HPP
