#!/usr/bin/env bash
# The queue tests of @salience/cli (salience audit --queue, salience worker) run a real Redis:
# Debian's redis-server, started by the tests themselves on loopback at a free port. Installs it
# when it is missing (CI starts from a machine with only Node and npm) and fails loudly when it
# cannot: the tests never skip.
set -euo pipefail
if command -v redis-server >/dev/null; then
  exit 0
fi
echo "ensure-redis: redis-server is missing; installing Debian's redis-server package" >&2
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
  command -v sudo >/dev/null || { echo "ensure-redis: not root and no sudo: install it with 'apt-get install -y redis-server'" >&2; exit 1; }
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# Never two apt runs at once (the Chromium step uses apt too).
exec 9>/tmp/salience-ensure-apt.lock
flock 9
if command -v redis-server >/dev/null; then
  exit 0
fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends redis-server
# The package starts a system service on 6379 where systemd runs; the tests need only the binary.
command -v redis-server >/dev/null || { echo "ensure-redis: apt-get finished but redis-server is still missing" >&2; exit 1; }
redis-server --version
