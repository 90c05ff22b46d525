#!/usr/bin/env bash
# Refresh the browser libraries under src/buddy/web/static/vendor/ from the npm registry.
# Versions are pinned here; the page loads only these committed copies (never a CDN).
# Run it by hand when a version changes, then commit the result: `bash scripts/vendor_web.sh`.
set -euo pipefail

MARKED=18.2.1
DOMPURIFY=3.4.18
HIGHLIGHT=11.12.0

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/src/buddy/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

unpack() {  # unpack NAME@VERSION into $work/<dir>
    local spec="$1" dir="$2" tarball
    tarball="$(cd "$work" && npm pack --silent "$spec")"
    mkdir -p "$work/$dir"
    tar -xzf "$work/$tarball" -C "$work/$dir" --strip-components=1
}

# Copy a file, dropping the source-map comment: the maps are not vendored, so the browser
# would only ask for a file that is not there.
copy() {
    mkdir -p "$(dirname "$2")"
    grep -v '^//# sourceMappingURL=' "$1" >"$2"
}

unpack "marked@$MARKED" marked
unpack "dompurify@$DOMPURIFY" dompurify
unpack "@highlightjs/cdn-assets@$HIGHLIGHT" highlight

rm -rf "$vendor"
mkdir -p "$vendor"

copy "$work/marked/lib/marked.esm.js" "$vendor/marked/marked.esm.js"
cp "$work/marked/LICENSE" "$vendor/marked/LICENSE"

copy "$work/dompurify/dist/purify.es.mjs" "$vendor/dompurify/purify.es.mjs"
cp "$work/dompurify/LICENSE" "$vendor/dompurify/LICENSE"
if [[ -f "$work/dompurify/LICENSE-MPL" ]]; then cp "$work/dompurify/LICENSE-MPL" "$vendor/dompurify/LICENSE-MPL"; fi

hl="$work/highlight"
copy "$hl/es/core.min.js" "$vendor/highlight/core.min.js"
for language in csharp bash json xml powershell; do
    copy "$hl/es/languages/$language.min.js" "$vendor/highlight/languages/$language.min.js"
done
cp "$hl/styles/github.min.css" "$vendor/highlight/github.min.css"
cp "$hl/styles/github-dark.min.css" "$vendor/highlight/github-dark.min.css"
cp "$hl/LICENSE" "$vendor/highlight/LICENSE"

cat >"$vendor/VERSIONS" <<VERSIONS
marked $MARKED (MIT)
dompurify $DOMPURIFY (MPL-2.0 OR Apache-2.0)
@highlightjs/cdn-assets $HIGHLIGHT (BSD-3-Clause)
VERSIONS

echo "vendored into $vendor:"
(cd "$vendor" && find . -type f | sort | xargs ls -l | awk '{print $5, $9}')
