# Packs the guests archive (cmake -P, run by the guests_cpio rule in
# ../CMakeLists.txt): a newc cpio whose paths start with "guests/", read by
# Dom0 as its initrd and "mounted" read-only at /.
#   -DOUT=FILE          the archive
#   -DSTAGE=DIR         a scratch directory (emptied first)
#   -DKERNELS=a;b       guest kernels: copied without debug info, mode 0755
#   -DCONFIGS=a;b       sample configs: copied as they are, mode 0644
#   -DOBJCOPY=PATH      objcopy, for --strip-debug
#   -DCPIO=PATH         GNU cpio (Debian's cpio package)
# The entries are sorted and --reproducible fixes inode numbers, so the same
# inputs give the same listing.
cmake_minimum_required(VERSION 3.25)
foreach(var OUT STAGE KERNELS CONFIGS OBJCOPY CPIO)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "mkcpio.cmake: -D${var}=... missing")
  endif()
endforeach()

file(REMOVE_RECURSE ${STAGE})
file(MAKE_DIRECTORY ${STAGE}/guests)
set(entries guests)
foreach(kernel ${KERNELS})
  get_filename_component(name ${kernel} NAME)
  execute_process(COMMAND ${OBJCOPY} --strip-debug ${kernel} ${STAGE}/guests/${name}
                  COMMAND_ERROR_IS_FATAL ANY)
  file(CHMOD ${STAGE}/guests/${name} FILE_PERMISSIONS
       OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  list(APPEND entries guests/${name})
endforeach()
foreach(config ${CONFIGS})
  get_filename_component(name ${config} NAME)
  file(COPY_FILE ${config} ${STAGE}/guests/${name})
  file(CHMOD ${STAGE}/guests/${name} FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  list(APPEND entries guests/${name})
endforeach()
file(CHMOD ${STAGE}/guests DIRECTORY_PERMISSIONS
     OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
list(SORT entries)
list(JOIN entries "\n" listing)
file(WRITE ${STAGE}.list "${listing}\n")

execute_process(COMMAND ${CPIO} --quiet -o -H newc --reproducible -R 0:0 -O ${OUT}.tmp
                WORKING_DIRECTORY ${STAGE}
                INPUT_FILE ${STAGE}.list
                COMMAND_ERROR_IS_FATAL ANY)
file(RENAME ${OUT}.tmp ${OUT})
