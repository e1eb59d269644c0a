// The Paravane EFI loader (BOOTX64.EFI): the composition root.
//
// Reads paravane.cfg (config.hpp) from the loader's own directory or from
// \EFI\paravane, loads the hypervisor's ELF32 image at its physical address
// and the modules below 4 GiB, writes a multiboot2 information structure with
// the command lines, modules, ACPI RSDP, EFI system table, framebuffer and —
// after ExitBootServices — the memory map, and enters the hypervisor's 32-bit
// multiboot entry (handover.S). The hypervisor then reads the same BootInfo
// that GRUB's multiboot2 produces.
//
// Any failure before ExitBootServices is reported on the console and COM1,
// the memory is given back, and the loader returns an error to the firmware.
#include "boot/efi/config.hpp"
#include "boot/efi/console.hpp"
#include "boot/efi/efi.hpp"
#include "boot/efi/efi_memory_map.hpp"
#include "boot/efi/elf32_image.hpp"
#include "boot/efi/files.hpp"
#include "boot/efi/info_builder.hpp"
#include "boot/multiboot/multiboot.hpp"

using namespace pv;
using namespace pv::efi;

extern "C" const uint8_t handover_start[], handover_end[];

namespace {

constexpr uint64_t k_page = 4096;
constexpr uint64_t k_below_4g = 0xffff'ffffull;
constexpr size_t k_info_pages = 16;       // the multiboot2 information: 64 KiB
constexpr size_t k_max_map_entries = 512; // converted memory map
constexpr unsigned k_exit_attempts = 8;
constexpr unsigned k_failure_pause_seconds = 10;
constexpr const char* k_loader_name = "Paravane EFI loader";
constexpr const char* k_config_name = "paravane.cfg";
constexpr const char* k_default_dir = "\\EFI\\paravane";

EFI_HANDLE image;
EFI_SYSTEM_TABLE* st;
EFI_BOOT_SERVICES* bs;
LoaderConsole console;
Volume volume;
LoaderConfig config;
VolumePath config_dir;
uint8_t image_head[k_image_head_size];
mb2::MmapEntry map_entries[k_max_map_entries];

// Every page allocation, so that a failed boot gives them back.
struct Allocation {
    EFI_PHYSICAL_ADDRESS base;
    UINTN pages;
};
Allocation allocations[8 + LoaderConfig::k_max_modules];
size_t allocation_count;

const char* describe(EFI_STATUS status) {
    switch (status) {
    case EFI_NOT_FOUND:
        return "not found";
    case EFI_OUT_OF_RESOURCES:
        return "out of resources";
    case EFI_INVALID_PARAMETER:
        return "invalid parameter";
    case EFI_UNSUPPORTED:
        return "unsupported";
    case EFI_DEVICE_ERROR:
        return "device error";
    case EFI_VOLUME_CORRUPTED:
        return "volume corrupted";
    case EFI_ACCESS_DENIED:
        return "access denied";
    case EFI_NO_MEDIA:
        return "no medium";
    case EFI_END_OF_FILE:
        return "file shorter than expected";
    case EFI_BUFFER_TOO_SMALL:
        return "buffer too small";
    case EFI_LOAD_ERROR:
        return "load error";
    default:
        return "firmware error";
    }
}

uint64_t pages_for(uint64_t bytes) {
    return bytes == 0 ? 1 : (bytes + k_page - 1) / k_page;
}

EFI_STATUS allocate(EFI_ALLOCATE_TYPE how, EFI_MEMORY_TYPE type, uint64_t pages,
                    EFI_PHYSICAL_ADDRESS& address) {
    if (allocation_count == sizeof allocations / sizeof allocations[0]) return EFI_OUT_OF_RESOURCES;
    EFI_STATUS status = bs->AllocatePages(how, type, pages, &address);
    if (!failed(status)) allocations[allocation_count++] = {address, pages};
    return status;
}

// Pages below 4 GiB (multiboot2 module addresses are 32 bits wide).
EFI_STATUS allocate_low(EFI_MEMORY_TYPE type, uint64_t bytes, StringView what,
                        EFI_PHYSICAL_ADDRESS& address) {
    address = k_below_4g;
    const EFI_STATUS status = allocate(AllocateMaxAddress, type, pages_for(bytes), address);
    if (failed(status))
        say(console, "cannot allocate {} bytes below 4 GiB for {}: {}", bytes, what,
            describe(status));
    return status;
}

void free_allocations() {
    while (allocation_count > 0) {
        const Allocation& a = allocations[--allocation_count];
        bs->FreePages(a.base, a.pages);
    }
}

void zero(void* dst, uint64_t bytes) {
    auto* d = static_cast<uint8_t*>(dst);
    for (uint64_t i = 0; i < bytes; ++i)
        d[i] = 0;
}

bool same_guid(const EFI_GUID& a, const EFI_GUID& b) {
    auto* x = reinterpret_cast<const uint8_t*>(&a);
    auto* y = reinterpret_cast<const uint8_t*>(&b);
    for (size_t i = 0; i < sizeof(EFI_GUID); ++i)
        if (x[i] != y[i]) return false;
    return true;
}

// --- paravane.cfg --------------------------------------------------------

// Looks for the configuration beside the loader, then in \EFI\paravane; the
// files it names are relative to the directory where it was found.
EFI_STATUS read_config() {
    VolumePath dirs[2];
    size_t dir_count = 0;
    if (volume.loader_path().valid)
        dirs[dir_count++] = VolumePath::directory_of(volume.loader_path().view());
    const VolumePath fallback = VolumePath::resolve("\\", k_default_dir);
    if (dir_count == 0 || !(dirs[0].view() == fallback.view())) dirs[dir_count++] = fallback;

    for (size_t d = 0; d < dir_count; ++d) {
        const VolumePath path = VolumePath::resolve(dirs[d].view(), k_config_name);
        Volume::File file;
        EFI_STATUS status = volume.open_file(path, file);
        if (status == EFI_NOT_FOUND) continue;
        uint64_t size = 0;
        if (!failed(status)) status = file.size(size);
        if (failed(status)) {
            say(console, "cannot open {}: {}", path.view(), describe(status));
            return status;
        }
        if (size > LoaderConfig::k_max_size) {
            say(console, "{}: larger than {} bytes", path.view(), LoaderConfig::k_max_size);
            return EFI_LOAD_ERROR;
        }
        char* text = nullptr;
        status = bs->AllocatePool(EfiLoaderData, size + 1, reinterpret_cast<void**>(&text));
        if (!failed(status)) status = file.read(0, text, size);
        if (failed(status)) {
            if (text) bs->FreePool(text);
            say(console, "cannot read {}: {}", path.view(), describe(status));
            return status;
        }
        ConfigError error;
        const bool parsed = parse_config(StringView(text, size), config, error);
        bs->FreePool(text);
        if (!parsed) {
            if (error.line)
                say(console, "{} line {}: {}", path.view(), error.line, error.message);
            else
                say(console, "{}: {}", path.view(), error.message);
            return EFI_LOAD_ERROR;
        }
        config_dir = dirs[d];
        say(console, "configuration {}: hypervisor '{}', {} module(s)", path.view(),
            config.hypervisor.path, config.module_count);
        return EFI_SUCCESS;
    }
    if (dir_count == 2)
        say(console, "no {} in {} or {}", k_config_name, dirs[0].view(), dirs[1].view());
    else
        say(console, "no {} in {}", k_config_name, dirs[0].view());
    return EFI_NOT_FOUND;
}

// Opens the file of a configuration item and finds its size; says what went
// wrong (with the configuration line) if it cannot.
EFI_STATUS open_item(const ConfigItem& item, const char* what, Volume::File& file, uint64_t& size) {
    const VolumePath path = VolumePath::resolve(config_dir.view(), item.path);
    EFI_STATUS status = path.valid ? volume.open_file(path, file) : EFI_INVALID_PARAMETER;
    if (!failed(status)) status = file.size(size);
    if (failed(status))
        say(console, "cannot open {} '{}' ({}, {} line {}): {}", what, item.path, path.view(),
            k_config_name, item.line, describe(status));
    return status;
}

// --- The hypervisor and the modules ---------------------------------------

uint32_t hypervisor_entry;

// The ELF32 image's segments go exactly where they are linked (physical
// 0x200000 for paravane): the hypervisor is not relocatable.
EFI_STATUS load_hypervisor() {
    Volume::File file;
    uint64_t size = 0;
    EFI_STATUS status = open_item(config.hypervisor, "hypervisor", file, size);
    if (failed(status)) return status;
    const size_t head_size = size < k_image_head_size ? size : k_image_head_size;
    status = file.read(0, image_head, head_size);
    if (failed(status)) {
        say(console, "cannot read the hypervisor '{}': {}", config.hypervisor.path,
            describe(status));
        return status;
    }
    ImagePlan plan;
    const char* reason = nullptr;
    if (!plan_elf32_image(image_head, head_size, size, plan, &reason)) {
        say(console, "'{}' is not a multiboot2 hypervisor image: {}", config.hypervisor.path,
            reason);
        return EFI_LOAD_ERROR;
    }
    EFI_PHYSICAL_ADDRESS base = plan.phys_low;
    const uint64_t pages = (plan.phys_high - plan.phys_low) / k_page;
    status = allocate(AllocateAddress, EfiLoaderCode, pages, base);
    if (failed(status)) {
        say(console,
            "cannot load the hypervisor at {:#x}-{:#x}, where it is linked: the firmware uses that "
            "memory ({})",
            plan.phys_low, plan.phys_high - 1, describe(status));
        return status;
    }
    zero(reinterpret_cast<void*>(base), pages * k_page);
    for (size_t i = 0; i < plan.segment_count; ++i) {
        const LoadSegment& s = plan.segments[i];
        status = file.read(s.file_offset, reinterpret_cast<void*>(uint64_t{s.phys}), s.file_size);
        if (failed(status)) {
            say(console, "cannot read the hypervisor '{}': {}", config.hypervisor.path,
                describe(status));
            return status;
        }
    }
    hypervisor_entry = plan.entry;
    say(console, "hypervisor '{}' at {:#x}-{:#x}, entry {:#x}", config.hypervisor.path,
        plan.phys_low, plan.phys_high - 1, plan.entry);
    return EFI_SUCCESS;
}

EFI_STATUS load_modules(InfoBuilder& info) {
    for (size_t i = 0; i < config.module_count; ++i) {
        const ConfigItem& item = config.modules[i];
        Volume::File file;
        uint64_t size = 0;
        EFI_STATUS status = open_item(item, "module", file, size);
        if (failed(status)) return status;
        if (size >= k_below_4g) {
            say(console, "module '{}' is larger than 4 GiB", item.path);
            return EFI_LOAD_ERROR;
        }
        EFI_PHYSICAL_ADDRESS start = 0;
        status = allocate_low(EfiLoaderData, size, item.path, start);
        if (failed(status)) return status;
        status = file.read(0, reinterpret_cast<void*>(start), size);
        if (failed(status)) {
            say(console, "cannot read module '{}': {}", item.path, describe(status));
            return status;
        }
        if (!info.add_module(static_cast<uint32_t>(start), static_cast<uint32_t>(start + size),
                             item.cmdline)) {
            say(console, "no room for module {} in the boot information", i);
            return EFI_OUT_OF_RESOURCES;
        }
        say(console, "module {}: '{}' ({} bytes) at {:#x}, '{}'", i, item.path, size, start,
            item.cmdline);
    }
    return EFI_SUCCESS;
}

// --- What the firmware knows ----------------------------------------------

// The ACPI RSDP from the configuration table (UEFI 2.10 §4.6): the 2.0 entry
// as tag 15 and the ACPI 1.0 part (its first 20 bytes) as tag 14.
void add_acpi(InfoBuilder& info) {
    EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
    const void* rsdp20 = nullptr;
    const void* rsdp10 = nullptr;
    for (UINTN i = 0; i < st->NumberOfTableEntries; ++i) {
        const EFI_CONFIGURATION_TABLE& entry = st->ConfigurationTable[i];
        if (same_guid(entry.VendorGuid, acpi20)) rsdp20 = entry.VendorTable;
        if (same_guid(entry.VendorGuid, acpi10)) rsdp10 = entry.VendorTable;
    }
    if (rsdp10 || rsdp20)
        info.add_rsdp(mb2::k_tag_acpi_old, rsdp10 ? rsdp10 : rsdp20, mb2::k_rsdp_v1_size);
    if (rsdp20) info.add_rsdp(mb2::k_tag_acpi_new, rsdp20, mb2::k_rsdp_v2_size);
    if (rsdp20)
        say(console, "ACPI 2.0 RSDP at {:#x}", reinterpret_cast<uint64_t>(rsdp20));
    else if (rsdp10)
        say(console, "ACPI 1.0 RSDP at {:#x}", reinterpret_cast<uint64_t>(rsdp10));
    else
        say(console, "no ACPI RSDP in the firmware's configuration table");
}

void mask_field(uint32_t mask, uint8_t& position, uint8_t& size) {
    position = size = 0;
    if (mask == 0) return;
    while (!(mask & 1)) {
        mask >>= 1;
        ++position;
    }
    while (mask & 1) {
        mask >>= 1;
        ++size;
    }
}

// The Graphics Output Protocol's current mode (UEFI 2.10 §12.9), if it has a
// linear framebuffer.
void add_framebuffer(InfoBuilder& info) {
    EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
    EFI_GRAPHICS_OUTPUT_PROTOCOL* gop = nullptr;
    if (failed(bs->LocateProtocol(&gop_guid, nullptr, reinterpret_cast<void**>(&gop))) ||
        !gop->Mode || !gop->Mode->Info)
        return;
    const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION& mode = *gop->Mode->Info;
    Framebuffer fb{};
    fb.address = gop->Mode->FrameBufferBase;
    fb.width = mode.HorizontalResolution;
    fb.height = mode.VerticalResolution;
    fb.bits_per_pixel = 32;
    fb.pitch = mode.PixelsPerScanLine * 4;
    switch (mode.PixelFormat) {
    case PixelRedGreenBlueReserved8BitPerColor:
        fb = {fb.address, fb.pitch, fb.width, fb.height, 32, 0, 8, 8, 8, 16, 8};
        break;
    case PixelBlueGreenRedReserved8BitPerColor:
        fb = {fb.address, fb.pitch, fb.width, fb.height, 32, 16, 8, 8, 8, 0, 8};
        break;
    case PixelBitMask: {
        const EFI_PIXEL_BITMASK& m = mode.PixelInformation;
        mask_field(m.RedMask, fb.red_position, fb.red_size);
        mask_field(m.GreenMask, fb.green_position, fb.green_size);
        mask_field(m.BlueMask, fb.blue_position, fb.blue_size);
        uint8_t reserved_position, reserved_size;
        mask_field(m.ReservedMask, reserved_position, reserved_size);
        const unsigned bits = fb.red_size + fb.green_size + fb.blue_size + reserved_size;
        fb.bits_per_pixel = static_cast<uint8_t>(bits > 24 ? 32 : bits > 16 ? 24 : 16);
        fb.pitch = mode.PixelsPerScanLine * (fb.bits_per_pixel / 8);
        break;
    }
    default:
        return; // PixelBltOnly: no framebuffer to hand over
    }
    if (fb.address == 0 || !info.add_framebuffer(fb)) return;
    say(console, "framebuffer {}x{} at {:#x}", fb.width, fb.height, fb.address);
}

// --- Leaving the firmware ---------------------------------------------------

uint8_t* memory_map;
UINTN memory_map_capacity;
UINTN memory_map_size;
UINTN descriptor_size;
bool boot_services_exited; // or partly: after any ExitBootServices call

EFI_STATUS prepare_memory_map() {
    UINTN size = 0, key = 0;
    UINT32 version = 0;
    EFI_STATUS status = bs->GetMemoryMap(&size, nullptr, &key, &descriptor_size, &version);
    if (status != EFI_BUFFER_TOO_SMALL || descriptor_size < sizeof(EfiMemoryDescriptor)) {
        say(console, "cannot read the firmware's memory map: {}", describe(status));
        return failed(status) ? status : EFI_DEVICE_ERROR;
    }
    // Our own allocations (this one included) add descriptors: leave room.
    size += 64 * descriptor_size;
    EFI_PHYSICAL_ADDRESS buffer = 0;
    status = allocate_low(EfiLoaderData, size, "the memory map", buffer);
    if (failed(status)) return status;
    memory_map = reinterpret_cast<uint8_t*>(buffer);
    memory_map_capacity = pages_for(size) * k_page;
    return EFI_SUCCESS;
}

// ExitBootServices needs the key of the current memory map; an event that
// allocates or frees memory in between changes the map, and the call fails
// with EFI_INVALID_PARAMETER: fetch the map again and retry (UEFI 2.10 §7.4).
// After the first attempt only GetMemoryMap may be called.
EFI_STATUS exit_boot_services() {
    EFI_STATUS status = EFI_SUCCESS;
    for (unsigned attempt = 0; attempt < k_exit_attempts; ++attempt) {
        UINTN key = 0;
        UINT32 version = 0;
        memory_map_size = memory_map_capacity;
        status =
            bs->GetMemoryMap(&memory_map_size, reinterpret_cast<EFI_MEMORY_DESCRIPTOR*>(memory_map),
                             &key, &descriptor_size, &version);
        if (failed(status)) return status;
        boot_services_exited = true;
        status = bs->ExitBootServices(image, key);
        if (status != EFI_INVALID_PARAMETER) return status;
    }
    return status;
}

using Handover = void (*)(uint32_t entry, uint32_t info, uint32_t magic, uint64_t stack_top);

// Everything up to the jump; returns only on failure.
EFI_STATUS boot() {
    EFI_STATUS status = volume.open(image, bs);
    if (failed(status)) {
        say(console, "cannot open the volume the loader came from: {}", describe(status));
        return status;
    }
    if (failed(status = read_config())) return status;
    if (failed(status = load_hypervisor())) return status;

    EFI_PHYSICAL_ADDRESS info_phys = 0;
    if (failed(status = allocate_low(EfiLoaderData, k_info_pages * k_page, "the boot information",
                                     info_phys)))
        return status;
    InfoBuilder info(reinterpret_cast<uint8_t*>(info_phys), k_info_pages * k_page);
    info.add_string(mb2::k_tag_cmdline, config.hypervisor.cmdline);
    info.add_string(mb2::k_tag_loader_name, k_loader_name);
    if (failed(status = load_modules(info))) return status;
    info.add_efi64_system_table(reinterpret_cast<uint64_t>(st));
    add_acpi(info);
    add_framebuffer(info);

    // The handover code runs from a copy below 4 GiB, its stack at the page's end.
    EFI_PHYSICAL_ADDRESS trampoline = 0;
    if (failed(status = allocate_low(EfiLoaderCode, k_page, "the handover code", trampoline)))
        return status;
    const size_t handover_size = static_cast<size_t>(handover_end - handover_start);
    for (size_t i = 0; i < handover_size; ++i)
        reinterpret_cast<uint8_t*>(trampoline)[i] = handover_start[i];

    if (failed(status = prepare_memory_map())) return status;
    say(console, "command line '{}'; exiting boot services", config.hypervisor.cmdline);
    if (failed(status = exit_boot_services())) {
        console.boot_services_ended();
        say(console, "ExitBootServices failed: {}", describe(status));
        return status;
    }

    // No firmware services from here on; interrupts stay off until the
    // hypervisor has its own IDT.
    asm volatile("cli");
    console.boot_services_ended();
    const size_t room = info.memory_map_room();
    const ConvertedMap map =
        convert_memory_map(memory_map, memory_map_size, descriptor_size, map_entries,
                           room < k_max_map_entries ? room : k_max_map_entries);
    if (map.truncated) say(console, "memory map truncated to {} ranges", map.count);
    info.add_memory_map(map_entries, map.count);
    info.finish();
    reinterpret_cast<Handover>(trampoline)(hypervisor_entry, static_cast<uint32_t>(info_phys),
                                           k_multiboot2_loader_magic, trampoline + k_page);
    return EFI_LOAD_ERROR; // not reached
}

// Gives a reader of the screen time to see why, without hanging: a key or
// ten seconds, whichever comes first.
void pause_for_reader() {
    if (!st->ConIn) return;
    EFI_EVENT timer = nullptr;
    if (failed(bs->CreateEvent(EVT_TIMER, 0, nullptr, nullptr, &timer))) return;
    if (!failed(bs->SetTimer(timer, TimerRelative, k_failure_pause_seconds * 10'000'000ull))) {
        say(console, "returning in {} s (or press a key)", k_failure_pause_seconds);
        EFI_EVENT events[2] = {timer, st->ConIn->WaitForKey};
        UINTN index = 0;
        bs->WaitForEvent(2, events, &index);
        EFI_INPUT_KEY key;
        if (index == 1) st->ConIn->ReadKeyStroke(st->ConIn, &key);
    }
    bs->CloseEvent(timer);
}

} // namespace

// Called by GNU-EFI's crt0 (System V calling convention) after relocation.
extern "C" EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE* system_table) {
    image = image_handle;
    st = system_table;
    bs = st->BootServices;
    console.init(st);
    say(console, "{} (Paravane hypervisor boot)", k_loader_name);
    const EFI_STATUS status = boot();
    say(console, "boot failed ({}); returning to the firmware", describe(status));
    if (!boot_services_exited) {
        free_allocations();
        pause_for_reader();
    }
    return status;
}
