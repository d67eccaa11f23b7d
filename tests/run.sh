#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up the virtualenv, then run pytest.
# This is the README's test command, and exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
# The report tests look at pages in a real headless Chromium. Install it where we may (root with
# apt); elsewhere those tests are skipped and say why.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; } \
    >/dev/null 2>&1 || echo "Chromium could not be installed: browser tests will be skipped" >&2
fi
exec .venv/bin/python -m pytest "$@"
