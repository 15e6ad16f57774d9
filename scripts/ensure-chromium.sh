#!/usr/bin/env bash
# Make sure Debian's Chromium is there for the browser tests (Playwright drives /usr/bin/chromium).
set -euo pipefail
bin="${YIMEN_CHROMIUM:-/usr/bin/chromium}"
[[ -x "$bin" ]] && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "ensure-chromium: installing Debian's chromium and CJK fonts" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >&2
  exit 0
fi
echo "ensure-chromium: no Chromium at $bin. Install it (Debian: sudo apt-get install chromium fonts-noto-cjk) or set YIMEN_CHROMIUM" >&2
exit 1
