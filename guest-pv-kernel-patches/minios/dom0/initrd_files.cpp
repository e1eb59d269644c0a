#include "dom0/initrd_files.hpp"

namespace minios {

void InitrdFiles::mount(const BootInfo& boot) {
    const BootInfo::Module m = boot.module();
    if (m.size == 0) {
        reason_ = "no initrd";
        return;
    }
    if (!m.mapped) {
        reason_ = "the initrd is not mapped (SIF_MOD_START_PFN)";
        return;
    }
    archive_ = pv::tools::cpio::Archive::open(m.data, m.size);
    reason_ = archive_.valid() ? nullptr : pv::tools::cpio::describe(archive_.problem());
}

pv::Result<pv::StringView> InitrdFiles::read_file(pv::StringView path) {
    const auto entry = archive_.find(path);
    if (!entry) return entry.error();
    if (entry->is_directory()) return pv::Errno::eisdir;
    if (!entry->is_regular()) return pv::Errno::enoent; // devices, symlinks: not followed
    return entry->data;
}

} // namespace minios
