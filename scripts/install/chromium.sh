#!/usr/bin/env bash
# Debian's chromium for the browser tests (Playwright drives it with executable_path=/usr/bin/chromium).
set -euo pipefail
exec "$(dirname "$0")/debian-package.sh" /usr/bin/chromium chromium "the browser tests drive /usr/bin/chromium"
