// Dom0's read-only files: its initrd (boot module 1, `guests.cpio`), a newc
// cpio archive "mounted" at /. Without an initrd, with one that minios did
// not get mapped (SIF_MOD_START_PFN), or with one that is not a well-formed
// cpio archive, there are simply no files.
#pragma once

#include "dom0-tools/lib/cpio/cpio_archive.hpp"
#include "dom0-tools/lib/toolstack/toolstack.hpp"
#include "kernel/boot_info.hpp"

namespace minios {

class InitrdFiles final : public pv::tools::FileSource {
public:
    void mount(const BootInfo& boot);

    // ENOENT, or EISDIR for a directory; only regular files have contents.
    pv::Result<pv::StringView> read_file(pv::StringView path) override;

    const pv::tools::cpio::Archive& archive() const { return archive_; }
    // Why there are no files, for `ls` (nullptr when the archive is mounted).
    const char* unmounted_reason() const { return reason_; }

private:
    pv::tools::cpio::Archive archive_;
    const char* reason_ = "not mounted";
};

} // namespace minios
