#!/usr/bin/env bash
# Installs what Sculpt needs (Debian 12 packages), builds it (Release), and runs the main job on
# its default settings (experiments/quickstart.json: a few minutes on 2 cores). Safe to run
# again: installed packages and finished builds are reused, and so is the trained supernet.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sculpt_install_packages
sculpt_build sculpt  # the command line and its module; scripts/test.sh builds the rest
cd "$SCULPT_ROOT"
exec "$SCULPT_BUILD/sculpt" run experiments/quickstart.json "$@"
