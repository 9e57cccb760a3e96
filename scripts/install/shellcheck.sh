#!/usr/bin/env bash
# Debian's shellcheck, so `ansible-test sanity` checks the shell scripts instead of skipping them.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
command -v shellcheck >/dev/null && exit 0
command -v apt-get >/dev/null || { echo "bootstrap: shellcheck needs apt-get; without it the sanity shellcheck test is skipped" >&2; exit 0; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq shellcheck >/dev/null
