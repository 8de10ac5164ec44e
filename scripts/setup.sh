#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh Debian 12 machine; a no-op when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(g++ cmake python3 clang-format nlohmann-json3-dev doctest-dev libcurl4-openssl-dev
              libbenchmark-dev emscripten chromium)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# npm packages, exactly as locked, for the SDK, the ingest and the shop (in that order: the shop
# links the SDK); reinstalled when a lock file changed since the last install.
for dir in . examples/ingest examples/nextjs; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
