// The newc cpio reader behind Dom0's read-only / (guests.cpio): lookups,
// directory listings, and refusal of malformed archives without reading
// outside them.
#include "dom0-tools/lib/cpio/cpio_archive.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

using pv::Errno;
using pv::StringView;
using namespace pv::tools::cpio;

namespace {

constexpr uint32_t k_file = k_mode_regular | 0644;
constexpr uint32_t k_dir = k_mode_directory | 0755;

std::string hex8(uint32_t value) {
    char text[9];
    std::snprintf(text, sizeof text, "%08x", value);
    return text;
}

// Writes archives the way `cpio -o -H newc` does.
struct ArchiveWriter {
    std::string bytes;
    uint32_t next_ino = 1;

    void pad4() {
        while (bytes.size() % 4 != 0)
            bytes.push_back('\0');
    }
    void add(const std::string& name, uint32_t mode, const std::string& data = "",
             uint32_t nlink = 1, uint32_t ino = 0) {
        bytes += "070701";
        const auto size = static_cast<uint32_t>(data.size());
        const auto name_size = static_cast<uint32_t>(name.size() + 1);
        // ino mode uid gid nlink mtime filesize, then devmajor devminor
        // rdevmajor rdevminor namesize check.
        for (uint32_t field : {ino ? ino : next_ino++, mode, 0u, 0u, nlink, 0u, size})
            bytes += hex8(field);
        for (uint32_t field : {0u, 0u, 0u, 0u, name_size, 0u})
            bytes += hex8(field);
        bytes += name;
        bytes.push_back('\0');
        pad4();
        bytes += data;
        pad4();
    }
    std::string finish(size_t block = 512) {
        add("TRAILER!!!", 0);
        while (bytes.size() % block != 0)
            bytes.push_back('\0');
        return bytes;
    }
};

// What `find . | cpio -o -H newc` writes for a small guests tree.
std::string guests_archive() {
    ArchiveWriter w;
    w.add(".", k_dir);
    w.add("./guests", k_dir);
    w.add("./guests/hello.cfg", k_file, "name = \"hello\"\nkernel = \"minios-hello\"\n");
    w.add("./guests/minios-hello", k_file, std::string(1001, '\x7f'));
    w.add("./guests/spin.cfg", k_file, "name = \"spin\"\n");
    w.add("./README", k_file, "guests\n");
    return w.finish();
}

// An archive and the bytes it points into, kept together.
struct Held {
    explicit Held(std::string b)
        : bytes(std::move(b)), archive(Archive::open(bytes.data(), bytes.size())) {}
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    std::string bytes;
    Archive archive;
};

std::string text(StringView view) {
    return std::string(view.data(), view.size());
}

std::vector<std::pair<std::string, bool>> listing(const Archive& archive, const char* dir,
                                                  pv::Status* status = nullptr) {
    std::vector<std::pair<std::string, bool>> out;
    const pv::Status s = archive.list(dir, [&](const DirectoryEntry& child) {
        out.emplace_back(text(child.name), child.is_directory);
    });
    if (status) *status = s;
    return out;
}

// The archive copied into a buffer of exactly its size, so that a reader
// overrunning it is caught by AddressSanitizer / valgrind when enabled.
Archive open_exact(const std::string& bytes, std::vector<char>& storage) {
    storage.assign(bytes.begin(), bytes.end());
    return Archive::open(storage.data(), storage.size());
}

} // namespace

TEST_CASE("cpio: normalize_path removes the prefixes cpio -o writes", "[dom0_tools][cpio]") {
    CHECK(text(normalize_path("/guests/hello.cfg")) == "guests/hello.cfg");
    CHECK(text(normalize_path("./guests/hello.cfg")) == "guests/hello.cfg");
    CHECK(text(normalize_path("guests/hello.cfg")) == "guests/hello.cfg");
    CHECK(text(normalize_path("/./guests/")) == "guests");
    CHECK(text(normalize_path("//guests//")) == "guests");
    CHECK(normalize_path("/").empty());
    CHECK(normalize_path(".").empty());
    CHECK(normalize_path("./").empty());
    CHECK(normalize_path("").empty());
    CHECK(text(normalize_path("..")) == "..");
}

TEST_CASE("cpio: a well-formed archive is walked entry by entry", "[dom0_tools][cpio]") {
    const Held held_archive(guests_archive());
    const Archive& archive = held_archive.archive;
    REQUIRE(archive.valid());
    CHECK(archive.entry_count() == 6);

    std::vector<std::string> paths;
    Archive::Cursor cursor = archive.entries();
    Entry entry;
    while (cursor.next(entry))
        paths.push_back(text(entry.path));
    CHECK(paths == std::vector<std::string>{"", "guests", "guests/hello.cfg", "guests/minios-hello",
                                            "guests/spin.cfg", "README"});
}

TEST_CASE("cpio: files are found with or without / and ./", "[dom0_tools][cpio]") {
    const Held held_archive(guests_archive());
    const Archive& archive = held_archive.archive;
    for (const char* path : {"/guests/hello.cfg", "./guests/hello.cfg", "guests/hello.cfg"}) {
        const auto found = archive.find(path);
        REQUIRE(found.is_ok());
        CHECK(found->is_regular());
        CHECK(text(found->data) == "name = \"hello\"\nkernel = \"minios-hello\"\n");
    }
    const auto image = archive.find("/guests/minios-hello");
    REQUIRE(image.is_ok());
    CHECK(image->data.size() == 1001); // not a multiple of 4: padding is not data
    CHECK(image->data[1000] == '\x7f');

    const auto readme = archive.find("/README");
    REQUIRE(readme.is_ok());
    CHECK(text(readme->data) == "guests\n");
}

TEST_CASE("cpio: missing paths are ENOENT, directories are directories", "[dom0_tools][cpio]") {
    const Held held_archive(guests_archive());
    const Archive& archive = held_archive.archive;
    CHECK(archive.find("/guests/nothere.cfg").error() == Errno::enoent);
    CHECK(archive.find("/guest").error() == Errno::enoent);
    CHECK(archive.find("/guests/hello.cfg/x").error() == Errno::enoent);
    CHECK(archive.find("TRAILER!!!").error() == Errno::enoent);

    const auto dir = archive.find("/guests/");
    REQUIRE(dir.is_ok());
    CHECK(dir->is_directory());
    const auto root = archive.find("/");
    REQUIRE(root.is_ok());
    CHECK(root->is_directory());
}

TEST_CASE("cpio: ls lists a directory's immediate children", "[dom0_tools][cpio]") {
    const Held held_archive(guests_archive());
    const Archive& archive = held_archive.archive;
    using Listing = std::vector<std::pair<std::string, bool>>;
    CHECK(listing(archive, "/") == Listing{{"guests", true}, {"README", false}});
    CHECK(listing(archive, "") == Listing{{"guests", true}, {"README", false}});
    CHECK(listing(archive, "/guests") ==
          Listing{{"hello.cfg", false}, {"minios-hello", false}, {"spin.cfg", false}});
    CHECK(listing(archive, "./guests/") == listing(archive, "guests"));

    pv::Status status;
    CHECK(listing(archive, "/nothere", &status).empty());
    CHECK(status.error() == Errno::enoent);
    CHECK(listing(archive, "/guests/hello.cfg", &status).empty());
    CHECK(status.error() == Errno::einval);
}

TEST_CASE("cpio: directories implied by deeper paths are listed once", "[dom0_tools][cpio]") {
    // `echo guests/a/b.cfg | cpio -o` writes no directory entries at all.
    ArchiveWriter w;
    w.add("guests/a/b.cfg", k_file, "b");
    w.add("guests/a/c.cfg", k_file, "c");
    w.add("guests/top", k_file, "t");
    w.add("other/x", k_file, "x");
    const Held held_archive(w.finish());
    const Archive& archive = held_archive.archive;
    REQUIRE(archive.valid());

    using Listing = std::vector<std::pair<std::string, bool>>;
    CHECK(listing(archive, "/") == Listing{{"guests", true}, {"other", true}});
    CHECK(listing(archive, "/guests") == Listing{{"a", true}, {"top", false}});
    CHECK(listing(archive, "/guests/a") == Listing{{"b.cfg", false}, {"c.cfg", false}});
    const auto a = archive.find("/guests/a");
    REQUIRE(a.is_ok());
    CHECK(a->is_directory());
    CHECK(a->data.empty());
}

TEST_CASE("cpio: a repeated path: the last entry wins", "[dom0_tools][cpio]") {
    ArchiveWriter w;
    w.add("hello.cfg", k_file, "old");
    w.add("other", k_file, "o");
    w.add("hello.cfg", k_file, "new");
    const Held held_archive(w.finish());
    const Archive& archive = held_archive.archive;
    const auto found = archive.find("/hello.cfg");
    REQUIRE(found.is_ok());
    CHECK(text(found->data) == "new");
    using Listing = std::vector<std::pair<std::string, bool>>;
    CHECK(listing(archive, "/") == Listing{{"other", false}, {"hello.cfg", false}});
}

TEST_CASE("cpio: a hard link finds the data written with its other name", "[dom0_tools][cpio]") {
    ArchiveWriter w;
    w.add("a", k_file, "", 2, 77);
    w.add("b", k_file, "shared", 2, 77);
    const Held held_archive(w.finish());
    const Archive& archive = held_archive.archive;
    const auto a = archive.find("a");
    REQUIRE(a.is_ok());
    CHECK(text(a->data) == "shared");
}

TEST_CASE("cpio: the trailer ends the archive; padding after it is ignored", "[dom0_tools][cpio]") {
    ArchiveWriter w;
    w.add("a", k_file, "1");
    std::string bytes = w.finish(4);
    bytes += "garbage that is not a header at all";
    const Held held_archive(bytes);
    const Archive& archive = held_archive.archive;
    REQUIRE(archive.valid());
    CHECK(archive.entry_count() == 1);

    // The checksum variant has the same layout.
    ArchiveWriter crc;
    crc.add("a", k_file, "1");
    std::string crc_bytes = crc.finish();
    crc_bytes[5] = '2';
    CHECK(Held(crc_bytes).archive.valid());

    // An archive of only a trailer is empty but valid.
    ArchiveWriter empty;
    const Held held_nothing(empty.finish());
    const Archive& nothing = held_nothing.archive;
    REQUIRE(nothing.valid());
    CHECK(nothing.entry_count() == 0);
    CHECK(nothing.find("a").error() == Errno::enoent);
}

TEST_CASE("cpio: malformed archives are refused", "[dom0_tools][cpio]") {
    const std::string good = guests_archive();
    std::vector<char> storage;

    SECTION("not a cpio archive") {
        const Archive a = open_exact("ustar and other things that are not newc headers, at all"
                                     " ....................................................",
                                     storage);
        CHECK(a.problem() == Problem::bad_magic);
        CHECK(a.problem_offset() == 0);
    }
    SECTION("old binary and odc cpio are not newc") {
        std::string odc = good;
        odc.replace(0, 6, "070707");
        CHECK(open_exact(odc, storage).problem() == Problem::bad_magic);
    }
    SECTION("empty input") {
        CHECK(open_exact("", storage).problem() == Problem::no_trailer);
    }
    SECTION("a bad magic in a later header") {
        std::string bytes = good;
        const size_t second = bytes.find("070701", 1);
        bytes[second + 3] = 'x';
        const Archive a = open_exact(bytes, storage);
        CHECK(a.problem() == Problem::bad_magic);
        CHECK(a.problem_offset() == second);
    }
    SECTION("a field that is not hexadecimal") {
        for (size_t field = 0; field < 13; ++field) {
            std::string bytes = good;
            bytes[6 + field * 8 + 3] = 'g';
            CHECK(open_exact(bytes, storage).problem() == Problem::bad_hex);
        }
        std::string spaced = good;
        spaced[6 + 6 * 8] = ' '; // " 0000002": sscanf would accept it
        CHECK(open_exact(spaced, storage).problem() == Problem::bad_hex);
    }
    SECTION("cut anywhere before the trailer") {
        const size_t end = good.find("TRAILER!!!") + 11;
        for (size_t cut = 0; cut < end; ++cut) {
            const Archive a = open_exact(good.substr(0, cut), storage);
            INFO("cut at " << cut);
            CHECK_FALSE(a.valid());
            CHECK(a.entry_count() == 0);
            CHECK(a.find("/guests/hello.cfg").error() == Errno::enoent);
            CHECK(listing(a, "/").empty());
        }
    }
    SECTION("each kind of truncation is named") {
        ArchiveWriter w;
        w.add("file", k_file, "0123456789");
        const std::string bytes = w.finish(4);
        CHECK(open_exact(bytes.substr(0, 3), storage).problem() == Problem::truncated_header);
        CHECK(open_exact(bytes.substr(0, 109), storage).problem() == Problem::truncated_header);
        CHECK(open_exact(bytes.substr(0, 112), storage).problem() == Problem::truncated_name);
        CHECK(open_exact(bytes.substr(0, 120), storage).problem() == Problem::truncated_data);
        // Everything but the trailer.
        const size_t trailer = bytes.find("070701", 1);
        CHECK(open_exact(bytes.substr(0, trailer), storage).problem() == Problem::no_trailer);
    }
    SECTION("names: size 0, not NUL-terminated, larger than the archive") {
        std::string bytes = good;
        bytes.replace(6 + 11 * 8, 8, "00000000");
        CHECK(open_exact(bytes, storage).problem() == Problem::bad_name);

        ArchiveWriter w;
        w.add("abc", k_file, "data");
        std::string unterminated = w.finish();
        unterminated.replace(6 + 11 * 8, 8, "00000003"); // "abc" without its NUL
        CHECK(open_exact(unterminated, storage).problem() == Problem::bad_name);

        std::string huge = good;
        huge.replace(6 + 11 * 8, 8, "ffffffff");
        CHECK(open_exact(huge, storage).problem() == Problem::truncated_name);
    }
    SECTION("a file size past the end") {
        std::string bytes = good;
        const size_t hello = bytes.find("./guests/hello.cfg") - 110;
        bytes.replace(hello + 6 + 6 * 8, 8, "ffffffff");
        CHECK(open_exact(bytes, storage).problem() == Problem::truncated_data);
    }
    SECTION("a refused archive describes its problem") {
        CHECK(StringView(describe(Problem::bad_magic)).size() > 0);
        CHECK(StringView(describe(Problem::no_trailer)) == "archive ends without TRAILER!!!");
    }
}

TEST_CASE("cpio: the default archive is empty", "[dom0_tools][cpio]") {
    const Archive archive;
    CHECK(archive.valid());
    CHECK(archive.find("/guests").error() == Errno::enoent);
    CHECK(archive.find("/").is_ok()); // the root of an empty tree
}
