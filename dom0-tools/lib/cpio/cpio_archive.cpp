#include "dom0-tools/lib/cpio/cpio_archive.hpp"

namespace pv::tools::cpio {
namespace {

constexpr size_t k_magic_size = 6;
constexpr size_t k_field_size = 8;
constexpr StringView k_trailer = "TRAILER!!!";

// Header fields, in order after the magic (cpio(5)).
enum Field : size_t {
    ino,
    mode,
    uid,
    gid,
    nlink,
    mtime,
    filesize,
    devmajor,
    devminor,
    rdevmajor,
    rdevminor,
    namesize,
    check,
    field_count,
};
static_assert(k_magic_size + field_count * k_field_size == k_header_size);

constexpr size_t align4(size_t value) {
    return (value + 3) & ~size_t{3};
}

bool parse_hex(const uint8_t* text, uint32_t& value) {
    value = 0;
    for (size_t i = 0; i < k_field_size; ++i) {
        const uint8_t c = text[i];
        uint32_t digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return false;
        value = value << 4 | digit;
    }
    return true;
}

bool has_magic(const uint8_t* header) {
    const StringView magic(reinterpret_cast<const char*>(header), k_magic_size);
    return magic == "070701" || magic == "070702";
}

// The entry whose header starts at `offset`; `next` is where the following
// header starts. `is_trailer` is set for TRAILER!!!.
Problem parse_entry(const uint8_t* data, size_t size, size_t offset, Entry& out, size_t& next,
                    bool& is_trailer) {
    if (size - offset < k_header_size) {
        // Fewer bytes than a header: a bad magic if even those are wrong.
        const size_t have = size - offset;
        for (size_t i = 0; i < have && i < k_magic_size; ++i)
            if (data[offset + i] != "070701"[i] && !(i == 5 && data[offset + i] == '2'))
                return Problem::bad_magic;
        return Problem::truncated_header;
    }
    const uint8_t* header = data + offset;
    if (!has_magic(header)) return Problem::bad_magic;
    uint32_t fields[field_count];
    for (size_t i = 0; i < field_count; ++i)
        if (!parse_hex(header + k_magic_size + i * k_field_size, fields[i]))
            return Problem::bad_hex;

    const size_t name_offset = offset + k_header_size;
    const size_t name_size = fields[namesize];
    if (name_size == 0) return Problem::bad_name;
    if (size - name_offset < name_size) return Problem::truncated_name;
    const char* name = reinterpret_cast<const char*>(data + name_offset);
    if (name[name_size - 1] != '\0') return Problem::bad_name;
    const StringView raw_name(name, name_size - 1);

    is_trailer = raw_name == k_trailer;
    const size_t data_offset = align4(name_offset + name_size);
    const size_t data_size = fields[filesize];
    if (is_trailer) {
        next = size; // nothing after the trailer belongs to the archive
    } else {
        if (data_offset > size || size - data_offset < data_size) return Problem::truncated_data;
        next = align4(data_offset + data_size);
    }

    out.path = normalize_path(raw_name);
    out.mode = fields[mode];
    out.ino = fields[ino];
    out.nlink = fields[nlink];
    out.data = is_trailer
                   ? StringView()
                   : StringView(reinterpret_cast<const char*>(data + data_offset), data_size);
    return Problem::none;
}

} // namespace

const char* describe(Problem problem) {
    switch (problem) {
    case Problem::none:
        return "no problem";
    case Problem::bad_magic:
        return "not a newc cpio header (magic 070701)";
    case Problem::bad_hex:
        return "header field is not hexadecimal";
    case Problem::truncated_header:
        return "archive ends inside a header";
    case Problem::bad_name:
        return "entry name is empty or not NUL-terminated";
    case Problem::truncated_name:
        return "archive ends inside an entry name";
    case Problem::truncated_data:
        return "archive ends inside a file's data";
    case Problem::no_trailer:
        return "archive ends without TRAILER!!!";
    }
    return "unknown problem";
}

StringView normalize_path(StringView path) {
    for (;;) {
        if (path.starts_with("/"))
            path = path.substr(1);
        else if (path.starts_with("./"))
            path = path.substr(2);
        else
            break;
    }
    if (path == ".") return StringView();
    while (!path.empty() && path[path.size() - 1] == '/')
        path = path.substr(0, path.size() - 1);
    return path;
}

Archive Archive::open(const void* data, size_t size) {
    Archive archive;
    archive.data_ = static_cast<const uint8_t*>(data);
    archive.size_ = size;
    size_t offset = 0;
    for (;;) {
        Entry entry;
        size_t next = 0;
        bool is_trailer = false;
        Problem problem = offset >= size
                              ? Problem::no_trailer
                              : parse_entry(archive.data_, size, offset, entry, next, is_trailer);
        if (problem != Problem::none) {
            Archive refused;
            refused.problem_ = problem;
            refused.problem_offset_ = offset;
            return refused;
        }
        if (is_trailer) break;
        ++archive.entry_count_;
        offset = next;
    }
    return archive;
}

bool Archive::Cursor::next(Entry& out) {
    if (offset_ >= size_) return false;
    size_t next = 0;
    bool is_trailer = false;
    if (parse_entry(data_, size_, offset_, out, next, is_trailer) != Problem::none || is_trailer) {
        offset_ = size_;
        return false;
    }
    offset_ = next;
    return true;
}

Result<Entry> Archive::find(StringView path) const {
    const StringView wanted = normalize_path(path);
    Entry found;
    bool have = false;
    Cursor cursor = entries();
    Entry entry;
    while (cursor.next(entry)) {
        if (entry.path == wanted) {
            found = entry;
            have = true;
        }
    }
    if (!have) {
        Status not_dir;
        if (!directory_exists(wanted, not_dir)) return Errno::enoent;
        Entry implied;
        implied.path = wanted;
        implied.mode = k_mode_directory | 0755;
        return implied;
    }
    // GNU cpio stores a hard-linked file's data once, with the last of its
    // names; the others have filesize 0 and the same inode.
    if (found.is_regular() && found.data.empty() && found.nlink > 1) {
        cursor = entries();
        while (cursor.next(entry))
            if (entry.ino == found.ino && entry.is_regular() && !entry.data.empty())
                found.data = entry.data;
    }
    return found;
}

bool Archive::child_of(StringView dir, StringView path, StringView& child, bool& implied) {
    StringView rest;
    if (dir.empty()) {
        rest = path;
    } else {
        if (path.size() <= dir.size() + 1 || !path.starts_with(dir) || path[dir.size()] != '/')
            return false;
        rest = path.substr(dir.size() + 1);
    }
    if (rest.empty()) return false;
    const size_t slash = rest.find('/');
    implied = slash != StringView::npos;
    child = implied ? rest.substr(0, slash) : rest;
    return !child.empty();
}

bool Archive::child_repeats_later(StringView dir, StringView child, size_t after_offset) const {
    Cursor cursor = entries();
    cursor.offset_ = after_offset;
    Entry entry;
    while (cursor.next(entry)) {
        StringView other;
        bool implied = false;
        if (child_of(dir, entry.path, other, implied) && other == child) return true;
    }
    return false;
}

bool Archive::directory_exists(StringView dir, Status& not_dir) const {
    not_dir = Errno::enoent;
    if (dir.empty()) return true;
    bool exists = false;
    bool last_is_file = false;
    Cursor cursor = entries();
    Entry entry;
    while (cursor.next(entry)) {
        if (entry.path == dir) {
            exists = true;
            last_is_file = !entry.is_directory();
        } else if (entry.path.size() > dir.size() && entry.path.starts_with(dir) &&
                   entry.path[dir.size()] == '/') {
            exists = true;
            last_is_file = false;
        }
    }
    if (exists && last_is_file) {
        not_dir = Errno::einval;
        return false;
    }
    return exists;
}

} // namespace pv::tools::cpio
