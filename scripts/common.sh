# Shared by setup.sh and test.sh: install Debian packages (idempotent) and build.
# Sourced, not run.

SCULPT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCULPT_BUILD="${SCULPT_BUILD:-$SCULPT_ROOT/build}"
SCULPT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libtbb-dev libboost-graph-dev libsqlite3-dev nlohmann-json3-dev libgtest-dev
  zlib1g-dev libonnx-dev libopencv-dnn-dev dataset-fashion-mnist python3 python3-torch sqlite3
)

# Installs only what is missing, so a second run costs a dpkg query and nothing else.
sculpt_install_packages() {
  local missing=()
  for package in "${SCULPT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    echo "sculpt: all packages present"
    return 0
  fi
  echo "sculpt: installing ${missing[*]}"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
}

# What only the test suite needs: Debian's Chromium, in which tests/experiments/report_cli_test.cc
# opens `sculpt report`'s HTML and takes a screenshot.
SCULPT_TEST_PACKAGES=(chromium)
sculpt_install_test_packages() {
  local SCULPT_PACKAGES=("${SCULPT_TEST_PACKAGES[@]}")  # dynamic scope, as below
  sculpt_install_packages
}

# ONNX Runtime for Node.js (npm's onnxruntime-node, its Linux library inside the package, so
# --ignore-scripts skips only its optional GPU download), into the build tree, where
# tests/experiments/onnx_runtimes_test.cc runs docs/EXPORT.md's example with it. Debian has no
# ONNX Runtime. Idempotent; installs Debian's nodejs and npm first when there is no npm.
SCULPT_ONNXRUNTIME_NODE="onnxruntime-node@1.30.0"
sculpt_install_onnxruntime_node() {
  local prefix="$SCULPT_BUILD/onnxruntime-node"
  if [[ -f "$prefix/node_modules/onnxruntime-node/package.json" ]]; then
    return 0
  fi
  if ! command -v npm >/dev/null; then
    local SCULPT_PACKAGES=(nodejs npm)  # dynamic scope: what sculpt_install_packages reads
    sculpt_install_packages
  fi
  echo "sculpt: installing $SCULPT_ONNXRUNTIME_NODE into $prefix (for the ONNX Runtime test)"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "$SCULPT_ONNXRUNTIME_NODE"
}

# sculpt_build [TARGET...]: configures (Release unless SCULPT_BUILD_TYPE says otherwise) and
# builds the given targets, or everything.
sculpt_build() {
  local type="${SCULPT_BUILD_TYPE:-Release}"
  cmake -S "$SCULPT_ROOT" -B "$SCULPT_BUILD" -G Ninja -DCMAKE_BUILD_TYPE="$type" >/dev/null
  local targets=()
  for target in "$@"; do targets+=(--target "$target"); done
  cmake --build "$SCULPT_BUILD" -j "$(nproc)" "${targets[@]}"
}
