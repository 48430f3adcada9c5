#!/usr/bin/env bash
# Installs what Sculpt needs (Debian 12 packages), builds it (Release), and runs the main job on
# its default settings. Safe to run again: installed packages and finished builds are reused.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sculpt_install_packages
sculpt_build
cd "$SCULPT_ROOT"
exec "$SCULPT_BUILD/sculpt" run experiments/nb201_re.json "$@"
