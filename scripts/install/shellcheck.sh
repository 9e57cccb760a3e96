#!/usr/bin/env bash
# Debian's shellcheck, so `ansible-test sanity` checks the shell scripts instead of skipping them.
set -euo pipefail
exec "$(dirname "$0")/debian-package.sh" shellcheck shellcheck "ansible-test sanity skips its shellcheck test without it"
