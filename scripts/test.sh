#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with CTest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sculpt_install_packages
sculpt_build
ctest --test-dir "$SCULPT_BUILD" --output-on-failure -j "$(nproc)" "$@"
