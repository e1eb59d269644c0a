// One line of terminal input: printable characters, backspace/delete,
// Ctrl-U (erase the line), Ctrl-C (abandon it); CR, LF or CR LF end it.
// Echo goes to a sink, as a terminal's line discipline would do it.
#pragma once

#include "lib/format.hpp"
#include "lib/string_view.hpp"

#include <cstddef>

namespace minios {

class LineEditor {
public:
    enum class Event { none, line, cancelled };

    explicit LineEditor(pv::OutputSink& echo) : echo_(echo) {}

    // Feeds one input byte. On Event::line, line() holds the finished line
    // until the next feed().
    Event feed(char c);
    pv::StringView line() const { return pv::StringView(buffer_, length_); }

    static constexpr size_t k_capacity = 128;

private:
    void erase_chars(size_t count);

    pv::OutputSink& echo_;
    char buffer_[k_capacity];
    size_t length_ = 0;
    bool finished_ = false; // the last feed() completed a line
    bool after_cr_ = false; // swallow the LF of a CR LF pair
};

} // namespace minios
