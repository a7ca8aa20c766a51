#!/usr/bin/env bash
# Runs the GPU check from .device/ (built by tools/device-check/prepare.sh) on a machine with no Node:
#   bash tools/device-check/run.sh [gpu-check flags: --size 224 --batch 16 --steps 50 --reps 3 ...]
# 1. unpacks Node and the bundled check into a temporary folder;
# 2. makes the Vulkan loader and GL dispatch libraries loadable: `dpkg -x` of the carried debs to /
#    on a GPU machine where / is writable, else into the temporary folder with LD_LIBRARY_PATH;
# 3. points Vulkan at NVIDIA's driver when there is one, else (local verification) at SwiftShader,
#    the CPU Vulkan driver of Debian's chromium;
# 4. runs the check; with $OUT set, also writes $OUT/gpu-check.json and $OUT/gpu-check.log.
# Environment: SALIENCE_DEVICE_DIR (default: this script's folder when it holds node.xz, else
# <repo>/.device), SALIENCE_DEVICE_LIBS=root|prefix (default: root only where NVIDIA's driver is
# found and / is writable), SALIENCE_DEVICE_KEEP=1 keeps the temporary folder,
# SALIENCE_DEVICE_ICD=<driver json> a Vulkan driver to use as the GPU's instead of looking for NVIDIA's.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -n "${SALIENCE_DEVICE_DIR:-}" ]; then
  DEVICE=$SALIENCE_DEVICE_DIR
elif [ -f "$HERE/node.xz" ]; then
  DEVICE=$HERE
else
  DEVICE="$HERE/../../.device"
fi
fail() { echo "run.sh: $*" >&2; exit 2; }
[ -f "$DEVICE/node.xz" ] && [ -f "$DEVICE/app.tar.xz" ] ||
  fail "$DEVICE has no node.xz or app.tar.xz: run 'bash tools/device-check/prepare.sh' first and carry .device"
DEVICE=$(cd "$DEVICE" && pwd)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/salience-device.XXXXXX")
[ "${SALIENCE_DEVICE_KEEP:-}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

# xz may be missing on a bare machine: Python's lzma does the same.
unxz_to() {
  if command -v xz >/dev/null; then
    xz -dc "$1" > "$2"
  elif command -v python3 >/dev/null; then
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  else
    fail "neither xz nor python3 is here to unpack $1"
  fi
}

SECONDS=0
unxz_to "$DEVICE/node.xz" "$WORK/node" && chmod +x "$WORK/node" || fail "could not unpack node"
unxz_to "$DEVICE/app.tar.xz" "$WORK/app.tar" && tar -xf "$WORK/app.tar" -C "$WORK" && rm "$WORK/app.tar" || fail "could not unpack the app"
mkdir -p "$WORK/bin" && mv "$WORK/node" "$WORK/bin/node"
export PATH="$WORK/bin:$PATH"
echo "run.sh: unpacked node $("$WORK/bin/node" --version) and the check into $WORK in ${SECONDS}s"

NVIDIA_ICD=${SALIENCE_DEVICE_ICD:-}
[ -n "$NVIDIA_ICD" ] || for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then NVIDIA_ICD=$icd; break; fi
done
SWIFTSHADER_ICD=/usr/lib/chromium/vk_swiftshader_icd.json

LIBS_MODE=${SALIENCE_DEVICE_LIBS:-}
if [ -z "$LIBS_MODE" ]; then
  if [ -n "$NVIDIA_ICD" ] && [ -w / ]; then LIBS_MODE=root; else LIBS_MODE=prefix; fi
fi
LIB_DIRS=()
if ! ls "$DEVICE"/debs/*.deb >/dev/null 2>&1; then
  echo "run.sh: no debs in $DEVICE/debs: using the system's Vulkan loader and GL libraries"
elif ! command -v dpkg >/dev/null; then
  echo "run.sh: dpkg is missing: using the system's Vulkan loader and GL libraries"
elif [ "$LIBS_MODE" = root ]; then
  for deb in "$DEVICE"/debs/*.deb; do dpkg -x "$deb" / || fail "dpkg -x $deb / failed"; done
  command -v ldconfig >/dev/null && ldconfig 2>/dev/null
  LIB_DIRS+=(/usr/lib/x86_64-linux-gnu)
  echo "run.sh: unpacked $(ls "$DEVICE"/debs/*.deb | wc -l) debs to /"
else
  for deb in "$DEVICE"/debs/*.deb; do dpkg -x "$deb" "$WORK/sysroot" || fail "dpkg -x $deb failed"; done
  LIB_DIRS+=("$WORK/sysroot/usr/lib/x86_64-linux-gnu")
  echo "run.sh: unpacked $(ls "$DEVICE"/debs/*.deb | wc -l) debs to $WORK/sysroot (LD_LIBRARY_PATH)"
fi

CHECK_FLAGS=("$@")
if [ -n "$NVIDIA_ICD" ]; then
  export VK_DRIVER_FILES=$NVIDIA_ICD VK_ICD_FILENAMES=$NVIDIA_ICD
  # The ICD names its library (libGLX_nvidia.so.0) without a path: make the driver's folder findable.
  for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$dir" ] && LIB_DIRS+=("$dir"); done
  echo "run.sh: GPU Vulkan driver $NVIDIA_ICD: $(tr -d ' \n' < "$NVIDIA_ICD" | head -c 300)"
  # Dawn would fall back to a CPU adapter without saying so: the check must run on the NVIDIA GPU.
  [[ " $* " == *" --expect-adapter "* ]] || CHECK_FLAGS+=(--expect-adapter nvidia)
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
elif [ -f "$SWIFTSHADER_ICD" ]; then
  echo "run.sh: no NVIDIA Vulkan driver here: SwiftShader (CPU Vulkan, for verification only; slow)"
  export VK_DRIVER_FILES=$SWIFTSHADER_ICD VK_ICD_FILENAMES=$SWIFTSHADER_ICD
  LIB_DIRS+=(/usr/lib/chromium)
else
  echo "run.sh: no NVIDIA Vulkan driver and no SwiftShader: leaving Vulkan to find a driver by itself"
fi
if [ ${#LIB_DIRS[@]} -gt 0 ]; then
  LD_LIBRARY_PATH=$(IFS=:; echo "${LIB_DIRS[*]}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export LD_LIBRARY_PATH
fi
echo "run.sh: VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset} LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-unset}"

if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  "$WORK/bin/node" "$WORK/app/check/gpu-check.mjs" --json "$OUT/gpu-check.json" "${CHECK_FLAGS[@]}" 2>&1 | tee "$OUT/gpu-check.log"
  STATUS=${PIPESTATUS[0]}
else
  "$WORK/bin/node" "$WORK/app/check/gpu-check.mjs" "${CHECK_FLAGS[@]}"
  STATUS=$?
fi
echo "run.sh: the check exited with $STATUS after ${SECONDS}s"
exit "$STATUS"
