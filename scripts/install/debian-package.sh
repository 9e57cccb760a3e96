#!/usr/bin/env bash
# Installs a Debian package unless its program is already there.
# Usage: debian-package.sh <program> <package> [what it is for]
set -euo pipefail
program=$1 package=$2 purpose=${3:-}
command -v "$program" >/dev/null && exit 0
command -v apt-get >/dev/null || { echo "bootstrap: $package needs apt-get (Debian/Ubuntu); install $program yourself${purpose:+ ($purpose)}" >&2; exit 1; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq "$package" >/dev/null
