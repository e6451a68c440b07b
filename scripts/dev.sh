#!/usr/bin/env bash
# paleosim developer entry point: installs what is missing (Debian 12, apt-get), builds,
# and then either runs the default scenario (`demo`), the whole test suite (`test`) or
# only the fuzz targets (`fuzz`).
#   scripts/dev.sh demo   # install + build + predict AlexNet on TITAN X + run default.ini
#   scripts/dev.sh test   # install + build (normal and ASan+UBSan) + ctest in both, then the
#                         # fuzz targets (clang + libFuzzer), PALEO_FUZZ_SECONDS (20) each
#   scripts/dev.sh fuzz   # the fuzz targets only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config libglib2.0-dev libjson-glib-dev libsqlite3-dev
          sqlite3 libhdf5-dev hdf5-tools libcmocka-dev libcairo2-dev libopenmpi-dev openmpi-bin)
# libFuzzer: Debian 12's clang 14 keeps it in libclang-rt-14-dev. Optional: without them
# the fuzz targets are skipped, with a message.
FUZZ_PACKAGES=(clang libclang-rt-14-dev)

# install PACKAGE... : apt-get install of those not installed yet.
install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_deps() { install "${PACKAGES[@]}"; }

build() { # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}

# The libFuzzer targets (tests/fuzz), each for a fixed time from its seeds; any finding fails.
fuzz() {
  if ! (install "${FUZZ_PACKAGES[@]}") || ! command -v clang >/dev/null; then
    echo "fuzz targets skipped: clang with libFuzzer (${FUZZ_PACKAGES[*]}) is not installable here"
    return 0
  fi
  build build-fuzz -DCMAKE_C_COMPILER=clang -DPALEO_WERROR=ON -DPALEO_FUZZ=ON \
    -DPALEO_FUZZ_SECONDS="${PALEO_FUZZ_SECONDS:-20}"
  (cd build-fuzz && ctest --output-on-failure -j "$(nproc)")
}

case "${1:-}" in
  demo)
    install_deps
    build build -DPALEO_WERROR=ON
    ./build/sim/paleosim predict alex_v2 --device TITAN_X
    ./build/sim/paleosim run default
    ;;
  test)
    install_deps
    build build -DPALEO_WERROR=ON
    (cd build && ctest --output-on-failure -j "$(nproc)")
    build build-asan -DPALEO_WERROR=ON -DPALEO_SANITIZE=ON
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
       ctest --output-on-failure -j "$(nproc)")
    fuzz
    ;;
  fuzz)
    install_deps
    fuzz
    ;;
  *)
    echo "usage: scripts/dev.sh demo|test|fuzz" >&2; exit 2 ;;
esac
