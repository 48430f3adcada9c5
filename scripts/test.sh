#!/usr/bin/env bash
# Installs what is missing (ONNX Runtime for Node.js too, for the export test), builds, and
# runs the whole test suite with CTest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sculpt_install_packages
sculpt_build
sculpt_install_onnxruntime_node
ctest --test-dir "$SCULPT_BUILD" --output-on-failure -j "$(nproc)" "$@"
