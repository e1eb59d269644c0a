/* The first link's symbol table: empty. The final link uses a table
 * generated from the first (scripts/lib/gen-symbols). */
        .section .symbols, "a"
        .balign 8
        .globl symbol_table, symbol_table_count
symbol_table_count:
        .quad   0
symbol_table:
