#include "dom0/line_editor.hpp"

namespace minios {

void LineEditor::erase_chars(size_t count) {
    for (size_t i = 0; i < count; ++i)
        echo_.write("\b \b");
}

LineEditor::Event LineEditor::feed(char c) {
    if (finished_) {
        length_ = 0;
        finished_ = false;
    }
    const bool was_after_cr = after_cr_;
    after_cr_ = false;
    switch (c) {
    case '\r':
        after_cr_ = true;
        [[fallthrough]];
    case '\n':
        if (c == '\n' && was_after_cr) return Event::none;
        echo_.write("\n");
        finished_ = true;
        return Event::line;
    case '\b':
    case 0x7f:
        if (length_ > 0) {
            --length_;
            erase_chars(1);
        }
        return Event::none;
    case 0x15: // Ctrl-U
        erase_chars(length_);
        length_ = 0;
        return Event::none;
    case 0x03: // Ctrl-C
        echo_.write("^C\n");
        length_ = 0;
        return Event::cancelled;
    default:
        break;
    }
    if (c < 0x20 || c > 0x7e) return Event::none;  // other controls, escape sequences, 8-bit
    if (length_ == k_capacity) return Event::none; // full: drop, like a bell
    buffer_[length_++] = c;
    echo_.write(pv::StringView(&c, 1));
    return Event::none;
}

} // namespace minios
