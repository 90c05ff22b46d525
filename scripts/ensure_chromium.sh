#!/usr/bin/env bash
# The browser tests drive Debian's chromium; install it when it is missing (CI runs as root on a
# fresh Debian machine). Never fatal: without a browser the browser tests skip and say why.
set -uo pipefail

if [[ -x /usr/bin/chromium ]]; then
    exit 0
fi
if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null; then
    echo "ensure_chromium: /usr/bin/chromium is missing and apt-get cannot run here (not root or not Debian); the browser tests will be skipped" >&2
    exit 0
fi
echo "ensure_chromium: installing Debian's chromium for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; }; then
    echo "ensure_chromium: apt-get could not install chromium; the browser tests will be skipped" >&2
fi
exit 0
