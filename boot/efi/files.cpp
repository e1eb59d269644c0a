// The loader's volume (see files.hpp).
#include "boot/efi/files.hpp"

namespace pv::efi {

namespace {

constexpr bool is_separator(char c) {
    return c == '\\' || c == '/';
}

// Appends `text` to `path` (at `length`), turning `/` into `\` and dropping a
// separator that would double one already there.
void append(VolumePath& path, size_t& length, StringView text) {
    for (char c : text) {
        if (is_separator(c)) {
            c = '\\';
            if (length > 0 && path.text[length - 1] == '\\') continue;
        }
        if (length + 1 >= VolumePath::k_max) {
            path.valid = false;
            return;
        }
        path.text[length++] = c;
    }
    path.text[length] = '\0';
}

} // namespace

VolumePath VolumePath::directory_of(StringView file) {
    size_t cut = 0;
    for (size_t i = 0; i < file.size(); ++i)
        if (is_separator(file[i])) cut = i;
    return resolve("\\", file.substr(0, cut));
}

VolumePath VolumePath::resolve(StringView dir, StringView name) {
    VolumePath path{};
    path.valid = true;
    size_t length = 0;
    append(path, length, "\\");
    if (name.empty() || !is_separator(name[0])) {
        append(path, length, dir);
        append(path, length, "\\");
    }
    append(path, length, name);
    return path;
}

EFI_STATUS Volume::open(EFI_HANDLE image, EFI_BOOT_SERVICES* bs) {
    EFI_GUID loaded_image_guid = LOADED_IMAGE_PROTOCOL;
    EFI_GUID file_system_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
    EFI_LOADED_IMAGE* loaded = nullptr;
    EFI_STATUS status =
        bs->HandleProtocol(image, &loaded_image_guid, reinterpret_cast<void**>(&loaded));
    if (failed(status)) return status;
    EFI_FILE_IO_INTERFACE* file_system = nullptr;
    status = bs->HandleProtocol(loaded->DeviceHandle, &file_system_guid,
                                reinterpret_cast<void**>(&file_system));
    if (failed(status)) return status;
    status = file_system->OpenVolume(file_system, &root);
    if (failed(status)) return status;

    // Our own path: the file-path nodes of the image's device path, in order
    // (UEFI 2.10 §10.3.5.4), converted to ASCII.
    own_path.valid = true;
    size_t length = 0;
    own_path.text[0] = '\0';
    auto* node = reinterpret_cast<const uint8_t*>(loaded->FilePath);
    for (unsigned guard = 0; node && guard < 64; ++guard) {
        const uint8_t type = node[0], subtype = node[1];
        const size_t node_length = node[2] | (node[3] << 8);
        if (type == END_DEVICE_PATH_TYPE || node_length < 4) break;
        if (type == MEDIA_DEVICE_PATH && subtype == MEDIA_FILEPATH_DP) {
            const uint8_t* name = node + 4;
            for (size_t i = 0; i + 1 < node_length - 4; i += 2) {
                const uint16_t c = name[i] | (name[i + 1] << 8);
                if (c == 0) break;
                const char ascii = c < 0x80 ? static_cast<char>(c) : '?';
                append(own_path, length, StringView(&ascii, 1));
            }
        }
        node += node_length;
    }
    if (length == 0) own_path.valid = false;
    return EFI_SUCCESS;
}

EFI_STATUS Volume::open_file(const VolumePath& path, File& file) {
    if (!path.valid) return EFI_INVALID_PARAMETER;
    CHAR16 name[VolumePath::k_max];
    size_t i = 0;
    for (; path.text[i] != '\0'; ++i)
        name[i] = static_cast<unsigned char>(path.text[i]);
    name[i] = 0;
    return root->Open(root, &file.handle, name, EFI_FILE_MODE_READ, 0);
}

Volume::File::~File() {
    if (handle) handle->Close(handle);
}

// Seeking to all ones moves to the end of the file (UEFI 2.10 §13.5.12).
EFI_STATUS Volume::File::size(uint64_t& bytes) {
    EFI_STATUS status = handle->SetPosition(handle, ~UINT64{0});
    if (failed(status)) return status;
    status = handle->GetPosition(handle, &bytes);
    if (failed(status)) return status;
    return handle->SetPosition(handle, 0);
}

EFI_STATUS Volume::File::read(uint64_t offset, void* dst, uint64_t bytes) {
    EFI_STATUS status = handle->SetPosition(handle, offset);
    if (failed(status)) return status;
    auto* at = static_cast<uint8_t*>(dst);
    while (bytes > 0) {
        UINTN chunk = bytes > (16u << 20) ? (16u << 20) : bytes;
        status = handle->Read(handle, &chunk, at);
        if (failed(status)) return status;
        if (chunk == 0) return EFI_END_OF_FILE;
        at += chunk;
        bytes -= chunk;
    }
    return EFI_SUCCESS;
}

} // namespace pv::efi
