#!/usr/bin/env bash
# Builds .device/: everything a lent GPU machine (no Node, no network) needs to run the GPU check,
# to be carried there with the `run` tool's carry: [".device"] (64 MiB at most).
#   .device/node.xz        this machine's Node binary (linux-x64), xz-compressed
#   .device/app.tar.xz     app/check/gpu-check.mjs (the check, bundled by esbuild with tfjs and the
#                          salience sources), app/node_modules/webgpu (Dawn: index.js + the linux-x64
#                          dawn.node only), app/fixtures/captum (the Captum fixtures the check reads)
#   .device/debs/*.deb     Debian bookworm's Vulkan loader and GL dispatch libraries (amd64) that
#                          NVIDIA's Vulkan driver needs and the GPU machine may lack
#   .device/run.sh         a copy of tools/device-check/run.sh, so .device runs on its own
#   .device/MANIFEST.txt   what went in, with versions and sizes
# Run from anywhere: bash tools/device-check/prepare.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEVICE="$ROOT/.device"
LIMIT_MIB=60
DEBS=(libvulkan1 libglvnd0 libglx0 libegl1 libgl1 libopengl0 libgles2)
cd "$ROOT"

fail() { echo "prepare: $*" >&2; exit 1; }
[ "$(uname -m)" = x86_64 ] || fail "the GPU machine is linux-x64: prepare on an x86_64 machine (this one is $(uname -m))"
command -v xz >/dev/null || fail "xz is missing: apt-get install -y xz-utils"

NODE_BIN=$(readlink -f "$(command -v node)")
WEBGPU=$(readlink -f packages/browser-tests/node_modules/webgpu 2>/dev/null || true)
[ -f "$WEBGPU/index.js" ] || fail "the webgpu package is missing under packages/browser-tests/node_modules: run pnpm install"
ESBUILD=$(ls -d node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild 2>/dev/null | sort -V | tail -1)
[ -x "$ESBUILD" ] || fail "esbuild is missing from node_modules/.pnpm: run pnpm install"

mkdir -p "$DEVICE/debs"
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/salience-device-prepare.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT

# 1. Node: compressed once per binary (xz -9 of ~100 MB takes a minute or two on 2 cores).
NODE_STAMP="$NODE_BIN $(node --version) $(stat -c %s "$NODE_BIN")"
if [ ! -f "$DEVICE/node.xz" ] || [ "$(cat "$DEVICE/node.stamp" 2>/dev/null)" != "$NODE_STAMP" ]; then
  echo "prepare: compressing $NODE_BIN ($(node --version))"
  xz -9 -T0 -c "$NODE_BIN" > "$DEVICE/node.xz.part"
  mv "$DEVICE/node.xz.part" "$DEVICE/node.xz"
  echo "$NODE_STAMP" > "$DEVICE/node.stamp"
else
  echo "prepare: node.xz is up to date ($(node --version))"
fi

# 2. The check, bundled: everything but the webgpu package (its index.js require()s dawn.node by a
#    path computed at run time) and vitest (imported by @salience/testing's conformance suites, which
#    the check does not use: tree-shaken away, checked below).
APP="$STAGE/app"
mkdir -p "$APP/check" "$APP/node_modules/webgpu/dist/linux-x64" "$APP/fixtures/captum"
"$ESBUILD" tools/device-check/gpu-check.ts \
  --bundle --platform=node --format=esm --target=node20 \
  --conditions=@salience/source \
  --external:webgpu --external:vitest \
  --minify-whitespace --minify-syntax --legal-comments=none --log-level=warning \
  '--banner:js=import { createRequire as __salienceRequire } from "node:module"; const require = __salienceRequire(import.meta.url);' \
  --outfile="$APP/check/gpu-check.mjs"
if grep -q -E "from ?\"vitest\"|import\(\"vitest\"\)" "$APP/check/gpu-check.mjs"; then
  fail "the bundle still imports vitest: something the check uses pulls it in"
fi

# Dawn: the loader and the linux-x64 addon only (the package also ships darwin, arm64 and windows builds).
cp "$WEBGPU/package.json" "$WEBGPU/index.js" "$WEBGPU/LICENSE.md" "$APP/node_modules/webgpu/"
cp "$WEBGPU/dist/linux-x64/dawn.node" "$APP/node_modules/webgpu/dist/linux-x64/"

# The Captum fixtures the check reads: loadCaptumFixture finds them at ../fixtures/captum beside the bundle's folder.
for model in smallcnn colorcnn tabular; do
  mkdir -p "$APP/fixtures/captum/$model"
  cp packages/testing/fixtures/captum/$model/{cases.json,cases.bin,weights.json,weights.bin,model.onnx} "$APP/fixtures/captum/$model/"
done
tar -C "$STAGE" -cf - app | xz -9 -T0 > "$DEVICE/app.tar.xz"

# 3. The Vulkan loader and GL dispatch libraries, as Debian packages (apt's cache first, else apt-get download).
for name in "${DEBS[@]}"; do
  if ls "$DEVICE/debs/${name}_"*_amd64.deb >/dev/null 2>&1; then continue; fi
  cached=$(ls /var/cache/apt/archives/${name}_*_amd64.deb 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$cached" ]; then
    cp "$cached" "$DEVICE/debs/"
  else
    (cd "$DEVICE/debs" && apt-get download "$name:amd64" >/dev/null 2>&1) ||
      (apt-get update >/dev/null 2>&1 && cd "$DEVICE/debs" && apt-get download "$name:amd64") ||
      fail "could not get $name: apt-get download $name needs Debian's package mirror"
  fi
done

cp tools/device-check/run.sh "$DEVICE/run.sh"

{
  echo "salience GPU check bundle, prepared $(date -u +%FT%TZ) from $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- tools packages 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "node $(node --version) linux-x64; webgpu $(node -p "require('$WEBGPU/package.json').version"); esbuild $("$ESBUILD" --version)"
  echo "bundle: $(stat -c %s "$APP/check/gpu-check.mjs") bytes; dawn.node $(stat -c %s "$APP/node_modules/webgpu/dist/linux-x64/dawn.node") bytes"
  (cd "$DEVICE" && ls -l node.xz app.tar.xz run.sh debs/*.deb | awk '{ print $5, $9 }')
} > "$DEVICE/MANIFEST.txt"
cat "$DEVICE/MANIFEST.txt"

TOTAL=$(du -sb "$DEVICE" | cut -f1)
TOTAL_MIB=$(awk -v b="$TOTAL" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "prepare: .device is $TOTAL bytes ($TOTAL_MIB MiB; the carry limit is 64 MiB)"
awk -v b="$TOTAL" -v l="$LIMIT_MIB" 'BEGIN { exit !(b > l * 1048576) }' && fail ".device is over $LIMIT_MIB MiB"
echo "prepare: done. On a lent GPU machine: run command 'bash tools/device-check/run.sh', carry [\".device\"]"
