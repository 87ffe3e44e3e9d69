#!/usr/bin/env bash
# One-line set-up and go on a fresh Debian machine with Python 3.11:
#   ./bootstrap.sh report   build the reports from docs_in/ into reports/
#   ./bootstrap.sh tests    run the test suite
#   ./bootstrap.sh lint|bench
# Installs what is missing: system packages (CJK fonts, Pango, HarfBuzz-subset; for tests
# also Chromium and poppler-utils) with apt-get when run as root, otherwise prints the exact
# apt-get line and stops; then nox in .venv/, then runs the nox session.
set -euo pipefail
cd "$(dirname "$0")"
session="${1:-tests}"
shift || true

need=()
# Listings are captured first: `cmd | grep -q` fails under pipefail when grep exits early (SIGPIPE).
libs=$(ldconfig -p 2>/dev/null || true)
fonts=$(fc-list : family 2>/dev/null || true)
have_lib() { grep -q "$1" <<<"$libs"; }
have_lib 'libpango-1.0.so' || need+=(libpango-1.0-0)
have_lib 'libpangoft2-1.0.so' || need+=(libpangoft2-1.0-0)
have_lib 'libharfbuzz-subset.so' || need+=(libharfbuzz-subset0)
grep -q 'Noto Sans CJK' <<<"$fonts" || need+=(fonts-noto-cjk fontconfig)
if [ "$session" = tests ]; then
  command -v chromium >/dev/null || need+=(chromium)
  command -v pdftoppm >/dev/null || need+=(poppler-utils)
fi
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)

if [ ${#need[@]} -gt 0 ]; then
  line="apt-get update && apt-get install -y --no-install-recommends ${need[*]}"
  if [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing system packages: ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "bootstrap: missing system packages. Run as root, then again:" >&2
    echo "  sudo sh -c '$line'" >&2
    exit 1
  fi
fi

if [ ! -x .venv/bin/nox ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip nox
fi
exec .venv/bin/nox -s "$session" -- "$@"
