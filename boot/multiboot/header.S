/* Multiboot headers. Both sit at the very start of the image: multiboot1
 * must be in the first 8 KiB (QEMU -kernel, older GRUBs), multiboot2 in the
 * first 32 KiB (GRUB 2). The loader picks the one it understands; both lead
 * to multiboot_entry with the loader's magic in EAX and its info in EBX. */

#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB1_MAGIC 0x1badb002
/* bit 0: modules page aligned; bit 1: give us memory information */
#define MB1_FLAGS 0x00000003

        .section .multiboot_header, "a"
        .balign 8
multiboot2_header:
        .long MB2_MAGIC
        .long MB2_ARCH_I386
        .long multiboot2_header_end - multiboot2_header
        .long -(MB2_MAGIC + MB2_ARCH_I386 + (multiboot2_header_end - multiboot2_header))
        /* information request: we need the memory map, command lines,
         * modules, ACPI RSDP copies and the EFI system table when present */
        .balign 8
mb2_info_request:
        .word 1, 0
        .long mb2_info_request_end - mb2_info_request
        .long 1, 3, 6
mb2_info_request_end:
        /* end tag */
        .balign 8
        .word 0, 0
        .long 8
multiboot2_header_end:

        .balign 4
multiboot1_header:
        .long MB1_MAGIC
        .long MB1_FLAGS
        .long -(MB1_MAGIC + MB1_FLAGS)
