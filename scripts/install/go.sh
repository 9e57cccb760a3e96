#!/usr/bin/env bash
# Go (Debian's) when it is missing: helm, helm-diff and the control plane are built with it.
exec "$(dirname "$0")/debian-package.sh" go golang-go "Go 1.24 or newer builds helm, helm-diff and the control plane"
