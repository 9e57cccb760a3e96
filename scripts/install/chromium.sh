#!/usr/bin/env bash
# Debian's chromium for the browser tests (Playwright drives it with executable_path=/usr/bin/chromium).
set -euo pipefail
source "$(dirname "$0")/../env.sh"
[ -x /usr/bin/chromium ] && exit 0
command -v apt-get >/dev/null || { echo "bootstrap: chromium needs apt-get (Debian/Ubuntu); install Chromium at /usr/bin/chromium yourself" >&2; exit 1; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq chromium >/dev/null
