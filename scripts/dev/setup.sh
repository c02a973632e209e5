#!/usr/bin/env bash
# Sets up Hallmonitor from a fresh clone: checks Node, installs pnpm and the
# workspace's dependencies, builds. With --tests it also installs the Debian
# packages the test suite talks to (a real SNMP simulator, ping, a browser …).
set -euo pipefail
cd "$(dirname "$0")/../.."

want_tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) want_tests=1 ;;
    *) echo "setup.sh: unknown option $arg (use --tests)" >&2; exit 2 ;;
  esac
done

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] || [ "$node_major" -gt 24 ]; then
  echo "setup.sh: Hallmonitor needs Node.js 20, 22 or 24 (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

if ! command -v pnpm >/dev/null 2>&1; then
  echo "==> installing pnpm 10"
  npm install -g pnpm@10 >/dev/null
fi

if [ "$want_tests" = 1 ]; then
  # Debian packages the tests drive for real. Kept in one list so CI and a
  # developer's machine install the same things.
  pkgs=(snmpsim snmp iputils-ping iproute2 dpkg-dev e2fsprogs python3-aiosmtpd shellcheck libxml2-utils openssl curl chromium prometheus prometheus-alertmanager)
  missing=()
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> installing Debian packages for the tests: ${missing[*]}"
    sudo_cmd=()
    if [ "$(id -u)" != 0 ]; then
      command -v sudo >/dev/null 2>&1 || { echo "setup.sh: need root or sudo to install ${missing[*]}" >&2; exit 1; }
      sudo_cmd=(sudo)
    fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

echo "==> installing workspace dependencies"
if [ "${CI:-}" = "true" ]; then pnpm install --frozen-lockfile; else pnpm install; fi
echo "==> building"
pnpm run build
echo "==> ready"
