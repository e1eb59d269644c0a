// A read-only view of a "newc" cpio archive held in memory: Dom0's guests
// archive (the boot module `guests.cpio`), "mounted" at /.
//
// The newc format (cpio(5), "New ASCII Format"; Linux's initramfs format):
// each entry is a 110-byte header of ASCII text, the magic "070701" (or
// "070702", the same layout with a checksum in `check`) followed by
// thirteen 8-digit hexadecimal fields
//     ino mode uid gid nlink mtime filesize devmajor devminor
//     rdevmajor rdevminor namesize check
// then `namesize` bytes of name (NUL included), padded so that header + name
// end on a multiple of 4, then `filesize` bytes of data padded to a multiple
// of 4. The entry named "TRAILER!!!" ends the archive; what follows it
// (block padding) is ignored.
//
// open() checks every header up to the trailer, so that later lookups walk
// an archive already known to be well formed; every read is bounds-checked
// all the same. Nothing is copied: names and data point into the archive.
#pragma once

#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools::cpio {

inline constexpr size_t k_header_size = 110;

// File types in the mode field (the S_IFMT bits, as in stat(2)).
inline constexpr uint32_t k_mode_type_mask = 0170000;
inline constexpr uint32_t k_mode_directory = 0040000;
inline constexpr uint32_t k_mode_regular = 0100000;
inline constexpr uint32_t k_mode_symlink = 0120000;

struct Entry {
    // The name with the prefixes `cpio -o` may write removed ("/", "./"),
    // and without a trailing "/"; "" for the archive's root (".").
    StringView path;
    uint32_t mode = 0;
    uint32_t ino = 0;
    uint32_t nlink = 0;
    StringView data; // the file's bytes (a symlink's target)

    bool is_directory() const { return (mode & k_mode_type_mask) == k_mode_directory; }
    bool is_regular() const { return (mode & k_mode_type_mask) == k_mode_regular; }
    bool is_symlink() const { return (mode & k_mode_type_mask) == k_mode_symlink; }
};

// Why an archive was refused.
enum class Problem : uint8_t {
    none,
    bad_magic,        // a header does not start with 070701 / 070702
    bad_hex,          // a header field is not 8 hexadecimal digits
    truncated_header, // the archive ends inside a header
    bad_name,         // namesize 0, or the name is not NUL-terminated
    truncated_name,   // the archive ends inside a name
    truncated_data,   // the archive ends inside a file's data
    no_trailer,       // the archive ends without TRAILER!!!
};
const char* describe(Problem problem);

// `path` as the archive stores it after normalisation (see Entry::path):
// "/guests/", "./guests" and "guests" are all "guests"; "/", "." and "" the root.
StringView normalize_path(StringView path);

// One child of a directory, for `ls`.
struct DirectoryEntry {
    StringView name;    // the last path component
    bool is_directory;  // a directory entry, or implied by a deeper path
    const Entry* entry; // the archive's entry; nullptr for an implied directory
};

class Archive {
public:
    // An empty archive: every lookup says ENOENT.
    Archive() = default;

    // Checks the whole archive; problem() says whether it is usable. A
    // refused archive behaves as an empty one.
    static Archive open(const void* data, size_t size);

    Problem problem() const { return problem_; }
    // Where the problem was found (the offset of the entry's header).
    size_t problem_offset() const { return problem_offset_; }
    bool valid() const { return problem_ == Problem::none; }
    size_t entry_count() const { return entry_count_; }

    // Walks the entries in archive order, the trailer excluded:
    //     Archive::Cursor c = archive.entries(); Entry e; while (c.next(e)) ...
    class Cursor {
    public:
        bool next(Entry& out);

    private:
        friend class Archive;
        Cursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}
        const uint8_t* data_;
        size_t size_;
        size_t offset_ = 0;
    };
    Cursor entries() const { return Cursor(data_, valid() ? size_ : 0); }

    // The entry at `path` (any prefix form; see normalize_path). A directory
    // that only deeper paths imply is found too, as an entry with the
    // directory mode and no data; so is the root. ENOENT otherwise. When a
    // path occurs more than once the last entry wins, as when extracting. A
    // hard-linked file whose data GNU cpio wrote with another of its names
    // gets that data.
    Result<Entry> find(StringView path) const;

    // Calls visit(const DirectoryEntry&) once for each immediate child of
    // directory `path`, in archive order. ENOENT: no such directory;
    // EINVAL: `path` is not a directory (Xen's errno set has no ENOTDIR).
    template <typename Visit> Status list(StringView path, Visit&& visit) const;

private:
    // The child of `dir` that `entry` lies in, if any: its name, and whether
    // it is a directory implied by a deeper path.
    static bool child_of(StringView dir, StringView path, StringView& child, bool& implied);
    bool child_repeats_later(StringView dir, StringView child, size_t after_offset) const;
    bool directory_exists(StringView dir, Status& not_dir) const;

    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    size_t entry_count_ = 0;
    Problem problem_ = Problem::none;
    size_t problem_offset_ = 0;
};

template <typename Visit> Status Archive::list(StringView path, Visit&& visit) const {
    const StringView dir = normalize_path(path);
    Status not_dir;
    if (!directory_exists(dir, not_dir)) return not_dir;
    Cursor cursor = entries();
    Entry entry;
    while (cursor.next(entry)) {
        StringView child;
        bool implied = false;
        if (!child_of(dir, entry.path, child, implied)) continue;
        // The last occurrence of a name speaks for it (duplicate entries, or
        // a directory that several deeper paths imply).
        if (child_repeats_later(dir, child, cursor.offset_)) continue;
        const DirectoryEntry child_entry{child, implied || entry.is_directory(),
                                         implied ? nullptr : &entry};
        visit(child_entry);
    }
    return Status::ok();
}

} // namespace pv::tools::cpio
