#!/bin/bash
# Installs the Debian 12 packages lnsd needs to build, test and benchmark.
#
#   tools/install_deps.sh [EXTRA_PACKAGE...]
#
# Only missing packages are installed (checked with dpkg-query first, so a second
# run takes well under a second); `apt-get update` runs only when something is
# missing.  The third-party peers of the system tests (xl2tpd, l2tpns,
# freeradius) are in the list.  Extra packages may be given as arguments or in
# $LNS_EXTRA_DEPS.  Needs root (or sudo) when it has something to install.
set -euo pipefail

case "${1:-}" in
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "install_deps: unknown option $1" >&2; exit 2 ;;
esac

PACKAGES=(
    build-essential cmake pkg-config
    libdpdk-dev dpdk dpdk-dev
    libipsec-mb-dev libyaml-cpp-dev
    libgtest-dev libbenchmark-dev
    python3 python3-scapy tshark
    iproute2 ethtool
    clang libclang-rt-14-dev
    nettle-dev xl2tpd l2tpns
    freeradius freeradius-utils
    libcpp-httplib-dev nlohmann-json3-dev libssl-dev
    strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins
)
# shellcheck disable=SC2206  # word splitting of the env list is intended
PACKAGES+=("$@" ${LNS_EXTRA_DEPS:-})

missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install_deps: all ${#PACKAGES[@]} packages present"
    exit 0
fi

echo "install_deps: installing: ${missing[*]}"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then
        SUDO=(sudo)
    else
        echo "install_deps: need root to install packages" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install_deps: done"
