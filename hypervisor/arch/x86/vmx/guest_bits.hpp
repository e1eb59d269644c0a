// Architectural bits the VMX container works with: control registers,
// EFER, RFLAGS and the MSRs it switches (SDM Vol. 3 §2.5, §2.2.1, Vol. 4).
#pragma once

#include <cstdint>

namespace pv::x86::vmx::bits {

inline constexpr uint64_t k_cr0_pe = 1ull << 0;
inline constexpr uint64_t k_cr0_ts = 1ull << 3;
inline constexpr uint64_t k_cr0_et = 1ull << 4;
inline constexpr uint64_t k_cr0_pg = 1ull << 31;
inline constexpr uint64_t k_cr4_pae = 1ull << 5;
inline constexpr uint64_t k_efer_lme = 1ull << 8;
inline constexpr uint64_t k_efer_lma = 1ull << 10;
inline constexpr uint64_t k_rflags_reserved = 1ull << 1;
inline constexpr uint64_t k_rflags_if = 1ull << 9;
inline constexpr uint64_t k_dr7_reset = 0x400;
inline constexpr uint8_t k_vector_gp = 13;

inline constexpr uint32_t k_msr_sysenter_cs = 0x174;
inline constexpr uint32_t k_msr_sysenter_esp = 0x175;
inline constexpr uint32_t k_msr_sysenter_eip = 0x176;
inline constexpr uint32_t k_msr_pat = 0x277;
inline constexpr uint32_t k_msr_efer = 0xc0000080;
inline constexpr uint32_t k_msr_star = 0xc0000081;
inline constexpr uint32_t k_msr_lstar = 0xc0000082;
inline constexpr uint32_t k_msr_cstar = 0xc0000083;
inline constexpr uint32_t k_msr_sfmask = 0xc0000084;
inline constexpr uint32_t k_msr_fs_base = 0xc0000100;
inline constexpr uint32_t k_msr_gs_base = 0xc0000101;
inline constexpr uint32_t k_msr_kernel_gs_base = 0xc0000102;

} // namespace pv::x86::vmx::bits
