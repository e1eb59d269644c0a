// physdev_op(cmd, arg): I/O privilege, interrupt routing and PCI device
// management for domains that drive hardware. Numbers and layouts of Xen's
// physdev.h, in our words.
//
// The legacy physdev_op_compat(op) hypercall (19) takes one PhysdevOpCompat
// holding the command and its argument.
#ifndef PARAVANE_PUBLIC_PHYSDEV_HPP
#define PARAVANE_PUBLIC_PHYSDEV_HPP

#include "types.hpp"

namespace pv::abi {

enum class PhysdevOp : uint32_t {
    irq_unmask_notify = 4,   // obsolete, unsupported
    irq_status_query = 5,    // PhysdevIrqStatusQuery
    set_iopl = 6,            // PhysdevSetIopl
    set_iobitmap = 7,        // PhysdevSetIobitmap
    apic_read = 8,           // PhysdevApic
    apic_write = 9,          // PhysdevApic
    alloc_irq_vector = 10,   // PhysdevIrq
    free_irq_vector = 11,    // PhysdevIrq
    eoi = 12,                // PhysdevEoi
    map_pirq = 13,           // PhysdevMapPirq
    unmap_pirq = 14,         // PhysdevUnmapPirq
    manage_pci_add = 15,     // PhysdevManagePci
    manage_pci_remove = 16,  // PhysdevManagePci
    pirq_eoi_gmfn_v1 = 17,   // PhysdevPirqEoiGmfn; also auto-unmasks on EOI
    restore_msi = 19,        // PhysdevRestoreMsi
    manage_pci_add_ext = 20, // PhysdevManagePciExt
    setup_gsi = 21,          // PhysdevSetupGsi
    // 22 is kept free.
    get_free_pirq = 23,      // PhysdevGetFreePirq
    pci_mmcfg_reserved = 24, // PhysdevPciMmcfgReserved
    pci_device_add = 25,     // PhysdevPciDeviceAdd
    pci_device_remove = 26,  // PhysdevPciDevice
    restore_msi_ext = 27,    // PhysdevPciDevice
    pirq_eoi_gmfn_v2 = 28,   // PhysdevPirqEoiGmfn
    dbgp_op = 29,            // PhysdevDbgpOp
    prepare_msix = 30,       // PhysdevPciDevice
    release_msix = 31,       // PhysdevPciDevice
};

struct PhysdevEoi {
    uint32_t irq;
};
static_assert(sizeof(PhysdevEoi) == 4);

// Register a page (bitmap indexed by pirq) telling the guest which pirqs
// need an EOI.
struct PhysdevPirqEoiGmfn {
    Pfn gmfn;
};
static_assert(sizeof(PhysdevPirqEoiGmfn) == 8);

inline constexpr uint32_t k_irqstat_needs_eoi = 1u << 0; // guest must issue PhysdevOp::eoi
inline constexpr uint32_t k_irqstat_shared = 1u << 1;    // the line is shared between guests

struct PhysdevIrqStatusQuery {
    uint32_t irq;   // in
    uint32_t flags; // out: k_irqstat_*
};
static_assert(sizeof(PhysdevIrqStatusQuery) == 8);
static_assert(offsetof(PhysdevIrqStatusQuery, irq) == 0);
static_assert(offsetof(PhysdevIrqStatusQuery, flags) == 4);

// The calling vCPU's virtual I/O privilege level (0..3). Port access is
// allowed when iopl >= CPL, where guest user mode counts as ring 3 and guest
// kernel mode as ring 1 (ring 0 with VmAssistType::architectural_iopl).
struct PhysdevSetIopl {
    uint32_t iopl;
};
static_assert(sizeof(PhysdevSetIopl) == 4);

struct PhysdevSetIobitmap {
    GuestPtr<uint8_t> bitmap; // TSS-format I/O bitmap (set bit = denied)
    uint32_t nr_ports;
    uint32_t pad;
};
static_assert(sizeof(PhysdevSetIobitmap) == 16);
static_assert(offsetof(PhysdevSetIobitmap, bitmap) == 0);
static_assert(offsetof(PhysdevSetIobitmap, nr_ports) == 8);

struct PhysdevApic {
    uint64_t apic_physbase; // in: which IO-APIC
    uint32_t reg;           // in
    uint32_t value;         // in (write) or out (read)
};
static_assert(sizeof(PhysdevApic) == 16);
static_assert(offsetof(PhysdevApic, apic_physbase) == 0);
static_assert(offsetof(PhysdevApic, reg) == 8);
static_assert(offsetof(PhysdevApic, value) == 12);

struct PhysdevIrq {
    uint32_t irq;    // in
    uint32_t vector; // in or out
};
static_assert(sizeof(PhysdevIrq) == 8);
static_assert(offsetof(PhysdevIrq, irq) == 0);
static_assert(offsetof(PhysdevIrq, vector) == 4);

enum class MapPirqType : int32_t {
    msi = 0,
    gsi = 1,
    unknown = 2,
    msi_seg = 3,   // bus bits 31:16 carry the PCI segment
    multi_msi = 4, // likewise; entry_nr is also an output
};

struct PhysdevMapPirq {
    DomainId domid;
    uint16_t pad0;
    int32_t type;     // in: MapPirqType
    int32_t index;    // in (ignored for multi_msi)
    int32_t pirq;     // in or out
    int32_t bus;      // in
    int32_t devfn;    // in
    int32_t entry_nr; // in
    uint32_t pad1;
    uint64_t table_base; // in
};
static_assert(sizeof(PhysdevMapPirq) == 40);
static_assert(offsetof(PhysdevMapPirq, domid) == 0);
static_assert(offsetof(PhysdevMapPirq, type) == 4);
static_assert(offsetof(PhysdevMapPirq, index) == 8);
static_assert(offsetof(PhysdevMapPirq, pirq) == 12);
static_assert(offsetof(PhysdevMapPirq, bus) == 16);
static_assert(offsetof(PhysdevMapPirq, devfn) == 20);
static_assert(offsetof(PhysdevMapPirq, entry_nr) == 24);
static_assert(offsetof(PhysdevMapPirq, table_base) == 32);

struct PhysdevUnmapPirq {
    DomainId domid;
    uint16_t pad;
    int32_t pirq;
};
static_assert(sizeof(PhysdevUnmapPirq) == 8);
static_assert(offsetof(PhysdevUnmapPirq, domid) == 0);
static_assert(offsetof(PhysdevUnmapPirq, pirq) == 4);

struct PhysdevManagePci {
    uint8_t bus;
    uint8_t devfn;
};
static_assert(sizeof(PhysdevManagePci) == 2);
static_assert(offsetof(PhysdevManagePci, devfn) == 1);

struct PhysdevRestoreMsi {
    uint8_t bus;
    uint8_t devfn;
};
static_assert(sizeof(PhysdevRestoreMsi) == 2);
static_assert(offsetof(PhysdevRestoreMsi, devfn) == 1);

struct PhysdevManagePciExt {
    uint8_t bus;
    uint8_t devfn;
    uint16_t pad0;
    uint32_t is_extfn;
    uint32_t is_virtfn;
    struct {
        uint8_t bus;
        uint8_t devfn;
    } physfn;
    uint16_t pad1;
};
static_assert(sizeof(PhysdevManagePciExt) == 16);
static_assert(offsetof(PhysdevManagePciExt, bus) == 0);
static_assert(offsetof(PhysdevManagePciExt, devfn) == 1);
static_assert(offsetof(PhysdevManagePciExt, is_extfn) == 4);
static_assert(offsetof(PhysdevManagePciExt, is_virtfn) == 8);
static_assert(offsetof(PhysdevManagePciExt, physfn) == 12);

struct PhysdevSetupGsi {
    int32_t gsi;
    uint8_t triggering; // in
    uint8_t polarity;   // in
    uint16_t pad;
};
static_assert(sizeof(PhysdevSetupGsi) == 8);
static_assert(offsetof(PhysdevSetupGsi, gsi) == 0);
static_assert(offsetof(PhysdevSetupGsi, triggering) == 4);
static_assert(offsetof(PhysdevSetupGsi, polarity) == 5);

struct PhysdevGetFreePirq {
    int32_t type;  // in: MapPirqType::gsi or msi
    uint32_t pirq; // out
};
static_assert(sizeof(PhysdevGetFreePirq) == 8);
static_assert(offsetof(PhysdevGetFreePirq, type) == 0);
static_assert(offsetof(PhysdevGetFreePirq, pirq) == 4);

inline constexpr uint32_t k_pci_mmcfg_reserved = 1u << 0;

struct PhysdevPciMmcfgReserved {
    uint64_t address;
    uint16_t segment;
    uint8_t start_bus;
    uint8_t end_bus;
    uint32_t flags; // k_pci_mmcfg_*
};
static_assert(sizeof(PhysdevPciMmcfgReserved) == 16);
static_assert(offsetof(PhysdevPciMmcfgReserved, address) == 0);
static_assert(offsetof(PhysdevPciMmcfgReserved, segment) == 8);
static_assert(offsetof(PhysdevPciMmcfgReserved, start_bus) == 10);
static_assert(offsetof(PhysdevPciMmcfgReserved, end_bus) == 11);
static_assert(offsetof(PhysdevPciMmcfgReserved, flags) == 12);

inline constexpr uint32_t k_pci_dev_extfn = 1u << 0;
inline constexpr uint32_t k_pci_dev_virtfn = 1u << 1;
inline constexpr uint32_t k_pci_dev_pxm = 1u << 2; // a proximity domain follows

// With k_pci_dev_pxm, a uint32_t proximity domain follows at offset 12
// (the start of an optional-parameter array).
struct PhysdevPciDeviceAdd {
    uint16_t seg;
    uint8_t bus;
    uint8_t devfn;
    uint32_t flags; // k_pci_dev_*
    struct {
        uint8_t bus;
        uint8_t devfn;
    } physfn;
    uint16_t pad;
};
static_assert(sizeof(PhysdevPciDeviceAdd) == 12);
static_assert(offsetof(PhysdevPciDeviceAdd, seg) == 0);
static_assert(offsetof(PhysdevPciDeviceAdd, bus) == 2);
static_assert(offsetof(PhysdevPciDeviceAdd, devfn) == 3);
static_assert(offsetof(PhysdevPciDeviceAdd, flags) == 4);
static_assert(offsetof(PhysdevPciDeviceAdd, physfn) == 8);
inline constexpr uint32_t k_pci_device_add_optarr_offset = 12;

struct PhysdevPciDevice {
    uint16_t seg;
    uint8_t bus;
    uint8_t devfn;
};
static_assert(sizeof(PhysdevPciDevice) == 4);
static_assert(offsetof(PhysdevPciDevice, seg) == 0);
static_assert(offsetof(PhysdevPciDevice, bus) == 2);
static_assert(offsetof(PhysdevPciDevice, devfn) == 3);

inline constexpr uint8_t k_dbgp_reset_prepare = 1;
inline constexpr uint8_t k_dbgp_reset_done = 2;
inline constexpr uint8_t k_dbgp_bus_unknown = 0;
inline constexpr uint8_t k_dbgp_bus_pci = 1;

struct PhysdevDbgpOp {
    uint8_t op;  // k_dbgp_reset_*
    uint8_t bus; // k_dbgp_bus_*
    union {
        PhysdevPciDevice pci;
    } u;
};
static_assert(sizeof(PhysdevDbgpOp) == 6);
static_assert(offsetof(PhysdevDbgpOp, op) == 0);
static_assert(offsetof(PhysdevDbgpOp, bus) == 1);
static_assert(offsetof(PhysdevDbgpOp, u) == 2);

// Argument of the legacy physdev_op_compat hypercall.
struct PhysdevOpCompat {
    uint32_t cmd; // PhysdevOp
    uint32_t pad;
    union Args {
        PhysdevIrqStatusQuery irq_status_query;
        PhysdevSetIopl set_iopl;
        PhysdevSetIobitmap set_iobitmap;
        PhysdevApic apic_op;
        PhysdevIrq irq_op;
    } u;
};
static_assert(sizeof(PhysdevOpCompat) == 24);
static_assert(offsetof(PhysdevOpCompat, cmd) == 0);
static_assert(offsetof(PhysdevOpCompat, u) == 8);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_PHYSDEV_HPP
