#include "arch/x86/symbols.hpp"

namespace pv::x86 {

namespace {
struct SymbolEntry {
    uint64_t address;
    const char* name;
};
} // namespace

extern "C" const uint64_t symbol_table_count;
extern "C" const SymbolEntry symbol_table[];
extern "C" const char text_start[], text_end[];

SymbolMatch find_symbol(uint64_t address) {
    if (address < reinterpret_cast<uint64_t>(text_start) ||
        address >= reinterpret_cast<uint64_t>(text_end) || symbol_table_count == 0)
        return {nullptr, 0};
    // Last entry whose address is <= the one we look for (the table is sorted).
    uint64_t low = 0, high = symbol_table_count;
    while (high - low > 1) {
        uint64_t mid = low + (high - low) / 2;
        if (symbol_table[mid].address <= address)
            low = mid;
        else
            high = mid;
    }
    if (symbol_table[low].address > address) return {nullptr, 0};
    return {symbol_table[low].name, address - symbol_table[low].address};
}

} // namespace pv::x86
