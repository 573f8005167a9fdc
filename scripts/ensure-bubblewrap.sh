#!/usr/bin/env bash
# Makes sure bubblewrap (`bwrap`) is installed: the Python sandbox starts every sandbox process
# inside it (src/engine/sandbox/spawn.ts) and runs no Python without it. Installs Debian's
# package with apt-get when missing (needs root, or sudo without a password). Idempotent: does
# nothing when present.
set -euo pipefail
BWRAP="$(command -v bwrap || true)"
if [ -n "$BWRAP" ] && [ -x "$BWRAP" ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
echo "== installing bubblewrap for the Python sandbox"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends bubblewrap
command -v bwrap >/dev/null
