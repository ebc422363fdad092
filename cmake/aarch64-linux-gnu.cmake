# Cross build for arm64 (aarch64) on a Debian 12 x86_64 host:
#   scripts/build.sh -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake   (BUILD_DIR=build-arm64)
# Needs gcc-aarch64-linux-gnu and Debian's arm64 builds of every library the agent links, through
# multiarch (dpkg --add-architecture arm64): scripts/setup.sh --arm64 installs them.
# The BPF objects are built for the target: -D__TARGET_ARCH_arm64 and vmlinux/arm64/vmlinux.h.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(NODEPATH_BPF_ARCH arm64)

# pkg-config answers from the arm64 .pc files only; headers and libraries are in the
# multiarch directories of / itself, so there is no separate sysroot.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
