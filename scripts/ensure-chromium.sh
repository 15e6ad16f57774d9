#!/usr/bin/env bash
# Make sure Debian's Chromium is there for the browser tests (Playwright drives /usr/bin/chromium), and a
# CJK font, which the browser pages and the printable PDFs (certificates, result documents) both need.
set -euo pipefail
bin="${YIMEN_CHROMIUM:-/usr/bin/chromium}"
packages=()
[[ -x "$bin" ]] || packages+=(chromium)
compgen -G "/usr/share/fonts/opentype/noto/NotoSansCJK-*" >/dev/null || packages+=(fonts-noto-cjk)
[[ ${#packages[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "ensure-chromium: installing Debian's ${packages[*]}" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >&2
  exit 0
fi
echo "ensure-chromium: missing ${packages[*]}. Install them (Debian: sudo apt-get install ${packages[*]}) or set YIMEN_CHROMIUM" >&2
exit 1
