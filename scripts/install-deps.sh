#!/bin/sh
# Installs what Parley needs on Debian 12; idempotent: installs only what is missing.
#   scripts/install-deps.sh run    build and run the server
#   scripts/install-deps.sh test   also the test tools (clang, chromium, SIP peers (sipp, baresip), sox, npm packages)
#   scripts/install-deps.sh bench  also what bench/run.py needs (janus, gnuplot, @roamhq/wrtc)
set -eu
mode=${1:-run}
pkgs="build-essential cmake pkg-config libnice-dev libssl-dev libsrtp2-dev libusrsctp-dev
 libwebsockets-dev libmicrohttpd-dev libjansson-dev libosip2-dev libopus-dev libglib2.0-dev
 libsqlite3-dev libcurl4-openssl-dev libspandsp-dev"
if [ "$mode" = test ]; then
  # baresip (a real softphone) and sox (to measure its recordings) for
  # tests/e2e/sip_media.test.mjs; apt-get below never installs recommends,
  # which for baresip would be GTK, GStreamer and ffmpeg.
  pkgs="$pkgs libcmocka-dev clang libclang-rt-14-dev chromium iproute2 nodejs npm sip-tester
 prometheus baresip sox python3"
fi
if [ "$mode" = bench ]; then
  pkgs="$pkgs janus gnuplot-nox iproute2 nodejs npm"
fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ "$mode" != run ] && command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=$(echo "$missing" | sed 's/ nodejs//; s/ npm//')
fi
if [ -n "$(echo "$missing" | tr -d ' ')" ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "installing:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
if [ "$mode" = test ]; then
  dir=$(dirname "$0")/../tests/e2e
  # Again whenever package-lock.json changed since the last install.
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --silent)
  fi
fi
if [ "$mode" = bench ]; then
  dir=$(dirname "$0")/../bench
  if [ ! -d "$dir/node_modules/@roamhq/wrtc" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --silent)
  fi
fi
