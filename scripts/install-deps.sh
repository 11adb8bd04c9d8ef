#!/bin/sh
# Installs the Debian packages mailward builds and tests with, when any is missing.
# Runs as root (CI, fresh machines) or through sudo when available. libevtx-utils: evtxexport, which
# the EVTX cross-check test and bench/evtx.sh compare mailward's EVTX reader with (the build does not
# link libevtx).
set -e
PKGS="build-essential cmake pkg-config libyaml-dev libpcre2-dev zlib1g-dev libzstd-dev libxml2-dev libssl-dev \
libcmocka-dev libjansson-dev libmaxminddb-dev libmaxmind-db-writer-perl clang zstd gzip python3 pmccabe \
chromium cmark-gfm libevtx-utils"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "mailward: installing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
