#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a browser downloaded by a test tool). Installs it
# when /usr/bin/chromium is missing (CI starts from a machine with only Node and npm) and fails
# loudly when it cannot: a browser target that quietly skips tests would prove nothing.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
SWIFTSHADER_ICD=/usr/lib/chromium/vk_swiftshader_icd.json
if [ -x "$CHROMIUM" ] && [ -f "$SWIFTSHADER_ICD" ]; then
  exit 0
fi
echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium package" >&2
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
  command -v sudo >/dev/null || { echo "ensure-chromium: not root and no sudo: install it with 'apt-get install -y chromium'" >&2; exit 1; }
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# Two processes (nx runs packages in parallel) must not run apt at the same time.
exec 9>/tmp/salience-ensure-chromium.lock
flock 9
if [ -x "$CHROMIUM" ] && [ -f "$SWIFTSHADER_ICD" ]; then
  exit 0
fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium
if [ ! -x "$CHROMIUM" ] || [ ! -f "$SWIFTSHADER_ICD" ]; then
  echo "ensure-chromium: apt-get finished but $CHROMIUM or $SWIFTSHADER_ICD is still missing" >&2
  exit 1
fi
"$CHROMIUM" --version 2>/dev/null || true
