#!/usr/bin/env bash
# Installs what is missing (Chromium for the report test and ONNX Runtime for Node.js for the
# export test too), builds, and runs the whole test suite with CTest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sculpt_install_packages
sculpt_install_test_packages
sculpt_build
sculpt_install_onnxruntime_node
ctest --test-dir "$SCULPT_BUILD" --output-on-failure -j "$(nproc)" "$@"
