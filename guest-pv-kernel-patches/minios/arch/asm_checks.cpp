// arch/asm_constants.h restates ABI numbers for the assembly files; this
// file fails the build if a restatement drifts from the ABI headers.
#include "arch/asm_constants.h"
#include "arch/frame.hpp"
#include "include/public/elfnote.hpp"
#include "include/public/hvm.hpp"
#include "include/public/hypercall.hpp"
#include "include/public/version.hpp"

namespace minios {
namespace abi = pv::abi;

static_assert(MINIOS_HYPERCALL_STUB_SIZE == abi::k_hypercall_page_stub_size);
static_assert(MINIOS_HYPERCALL_IRET == abi::raw(abi::Hypercall::iret));
static_assert(MINIOS_FLAT_CS == abi::k_flat_kernel_cs && MINIOS_FLAT_CS == abi::k_flat_user_cs);
static_assert(MINIOS_FLAT_SS == abi::k_flat_kernel_ss && MINIOS_FLAT_SS == abi::k_flat_user_ss);
static_assert(MINIOS_VGCF_IN_SYSCALL == abi::k_vgcf_in_syscall);
static_assert(MINIOS_VIRT_BASE >= abi::k_hypervisor_virt_end);

static_assert(MINIOS_NOTE_ENTRY == abi::raw(abi::ElfNote::entry));
static_assert(MINIOS_NOTE_HYPERCALL_PAGE == abi::raw(abi::ElfNote::hypercall_page));
static_assert(MINIOS_NOTE_VIRT_BASE == abi::raw(abi::ElfNote::virt_base));
static_assert(MINIOS_NOTE_PADDR_OFFSET == abi::raw(abi::ElfNote::paddr_offset));
static_assert(MINIOS_NOTE_XEN_VERSION == abi::raw(abi::ElfNote::xen_version));
static_assert(MINIOS_NOTE_GUEST_OS == abi::raw(abi::ElfNote::guest_os));
static_assert(MINIOS_NOTE_GUEST_VERSION == abi::raw(abi::ElfNote::guest_version));
static_assert(MINIOS_NOTE_LOADER == abi::raw(abi::ElfNote::loader));
static_assert(MINIOS_NOTE_FEATURES == abi::raw(abi::ElfNote::features));
static_assert(MINIOS_NOTE_SUPPORTED_FEATURES == abi::raw(abi::ElfNote::supported_features));
static_assert(MINIOS_FEATURE_DOM0_BIT == abi::raw(abi::Feature::dom0));
static_assert(MINIOS_NOTE_PHYS32_ENTRY == abi::raw(abi::ElfNote::phys32_entry));

// PVH: the upcall vector is one Xen accepts (not an exception vector), and
// the kernel sits where the PVH entry's 2 GiB high map reaches it.
static_assert(MINIOS_UPCALL_VECTOR >= abi::k_hvm_min_upcall_vector && MINIOS_UPCALL_VECTOR <= 0xff);
static_assert(MINIOS_KERNEL_PHYS % abi::k_page_size == 0 && MINIOS_KERNEL_PHYS >= 0x100000);
static_assert(MINIOS_KERNEL_VIRT == MINIOS_VIRT_BASE + MINIOS_KERNEL_PHYS);

// The iret stub pops what user_enter/trap_common leave: the IretContext
// from `flags` up. Six words, as the entry code pushes them.
static_assert(offsetof(abi::IretContext, ss) - offsetof(abi::IretContext, flags) == 5 * 8);
static_assert(offsetof(TrapFrame, ss) - offsetof(TrapFrame, error_code) == 5 * 8);

// Pseudo-vectors must not collide with exception vectors.
static_assert(MINIOS_VECTOR_EVENT > 0xff && MINIOS_VECTOR_SYSCALL > 0xff);

} // namespace minios
