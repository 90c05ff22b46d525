#!/usr/bin/env bash
# The alert-rule tests run promtool; put Debian's where it is missing (CI runs as root on a fresh
# Debian machine). Never fatal: without promtool the alert-rule tests skip and say why.
#
# Only the promtool binary is taken out of Debian's `prometheus` package (about 48 MB): installing
# the package itself pulls about 320 MB of web-console libraries, adds a system user and enables
# a Prometheus server on :9090, which a systemd machine then starts at once and at every boot.
set -uo pipefail

TARGET=/usr/local/bin/promtool

if command -v promtool >/dev/null; then
    exit 0
fi
if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    echo "ensure_promtool: promtool is missing and apt-get cannot run here (not root or not Debian); the alert-rule tests will be skipped" >&2
    exit 0
fi
echo "ensure_promtool: taking promtool out of Debian's prometheus package for the alert-rule tests" >&2
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
# apt fetches as its unprivileged _apt user, which must be able to write the download directory.
chown _apt "$workdir" 2>/dev/null || true
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && (cd "$workdir" && apt-get download -qq prometheus); }; then
    echo "ensure_promtool: apt-get could not download the prometheus package; the alert-rule tests will be skipped" >&2
    exit 0
fi
if ! dpkg-deb --fsys-tarfile "$workdir"/prometheus_*.deb | tar -xO ./usr/bin/promtool >"$workdir/promtool" \
    || ! install -m 0755 "$workdir/promtool" "$TARGET"; then
    echo "ensure_promtool: could not take promtool out of the prometheus package; the alert-rule tests will be skipped" >&2
    exit 0
fi
echo "ensure_promtool: $("$TARGET" --version 2>&1 | head -n 1) at $TARGET" >&2
exit 0
