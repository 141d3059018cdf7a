#!/usr/bin/env bash
# Set up a fresh Debian machine for Sardine: QGIS from Debian, a venv that sees it,
# pinned Python packages. Idempotent: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(qgis python3-qgis qgis-providers xvfb python3-venv)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv (Debian's python3, with system site packages for PyQGIS)"
  /usr/bin/python3 -m venv --system-site-packages .venv
fi

echo "setup: installing pinned Python requirements"
.venv/bin/python -m pip install -q -r requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
# Six real Sentinel-1/Sentinel-2 patch pairs ship inside this wheel; we read its
# tarballs as data and need none of its own dependencies.
.venv/bin/python -m pip install -q --no-deps bigearthnet-common==2.8.0 2>&1 | grep -v "^WARNING: Location" || true
# 24 real BigEarthNet v2 pairs (an LMDB of safetensors values + metadata parquet) ship in
# this wheel; we read them as data (lmdb, pyarrow) and need none of its own dependencies.
.venv/bin/python -m pip install -q --no-deps configilm==0.7.1 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . 2>&1 | grep -v "^WARNING: Location" || true
# The wheels the dock's Install button installs for QGIS's Python (processing/installer.py),
# kept locally so a test runs that real pip command offline (tests/test_install_panel.py).
wheels=$(.venv/bin/python -c "from sardine.processing.installer import ONNXRUNTIME; print(' '.join(ONNXRUNTIME))")
# shellcheck disable=SC2086
.venv/bin/python -m pip download -q --no-deps --only-binary=:all: -d .venv/wheelhouse $wheels 2>&1 \
  | grep -v "^WARNING: Location" || true
ls .venv/wheelhouse/onnxruntime-*.whl >/dev/null 2>&1 \
  || echo "setup: the Install-button wheels were not fetched; that test will be skipped"
.venv/bin/python -c "import torch, rasterio, safetensors, scipy, onnxruntime, onnx, openvino, qgis.core" \
  || { echo "setup: the environment is incomplete (see the errors above)"; exit 1; }
echo "setup: done"
