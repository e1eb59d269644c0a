// `ls [DIR]`: the initrd's files (InitrdFiles), one a line: the size of a
// file, "-" for a directory (whose name ends in "/"). DIR defaults to /;
// naming a file lists just that file, as ls(1) does.
#include "dom0/shell.hpp"

namespace minios {
namespace {

void print_line(pv::StringView name, const pv::tools::cpio::Entry* entry, bool is_directory) {
    if (is_directory)
        println("{:>10}  {}/", "-", name);
    else
        println("{:>10}  {}", entry != nullptr ? entry->data.size() : 0, name);
}

} // namespace

bool Shell::cmd_ls(pv::StringView args) {
    const pv::StringView path = args.empty() ? pv::StringView("/") : args;
    if (path.find(' ') != pv::StringView::npos) {
        println("ls: error: one directory at a time (usage: ls [DIR])");
        return false;
    }
    if (const char* reason = files_.unmounted_reason(); reason != nullptr) {
        println("ls: error: no files: the initrd is not a usable cpio archive ({})", reason);
        return false;
    }
    const pv::tools::cpio::Archive& archive = files_.archive();
    const auto entry = archive.find(path);
    if (!entry) {
        println("ls: error: {}: no such file or directory", path);
        return false;
    }
    if (!entry->is_directory()) {
        print_line(path, &*entry, false);
        return true;
    }
    const pv::Status listed = archive.list(path, [](const pv::tools::cpio::DirectoryEntry& child) {
        print_line(child.name, child.entry, child.is_directory);
    });
    if (!listed) {
        println("ls: error: {}: cannot list it ({})", path, listed.error());
        return false;
    }
    return true;
}

} // namespace minios
