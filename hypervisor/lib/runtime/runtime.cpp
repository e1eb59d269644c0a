// What the compiler expects from a C/C++ runtime, for every freestanding
// image (the hypervisor, minios, the EFI loader): GCC emits calls to
// memcpy/memset/memmove/memcmp even in freestanding code, and a class with
// virtual functions references __cxa_pure_virtual.
#include <cstddef>
#include <cstdint>

extern "C" {

void* memcpy(void* dst, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n)::"memory");
    return dst;
}

void* memset(void* dst, int value, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(value) : "memory");
    return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    if (d <= s || d >= s + n) return memcpy(dst, src, n);
    // Overlapping with dst above src: copy backwards.
    for (size_t i = n; i > 0; --i) d[i - 1] = s[i - 1];
    return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; ++i)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char* s) {
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}

// A bug: stop with an invalid-opcode fault, which every image reports (in
// any ring) with its registers.
[[noreturn]] void __cxa_pure_virtual() {
    for (;;) asm volatile("ud2");
}

} // extern "C"

// No heap in the hypervisor: deleting destructors must never run.
void operator delete(void*) noexcept { __cxa_pure_virtual(); }
void operator delete(void*, size_t) noexcept { __cxa_pure_virtual(); }
