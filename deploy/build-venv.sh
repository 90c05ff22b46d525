#!/usr/bin/env bash
# Build the service's runtime venv from the lock and the project's wheel, nothing else.
# The Dockerfile's build stage and tests/deploy/test_wheel.py both run this script, so the
# image and the test install the same way: the same uv, the same flags, the same steps.
#
#   deploy/build-venv.sh deps VENV   the locked third-party dependencies (no dev extras)
#   deploy/build-venv.sh app VENV    the project's wheel on top, without touching the deps
#   deploy/build-venv.sh all VENV    both
#
# Run from the project root. PYTHON picks the interpreter (default python3.11); WORK_DIR
# holds pylock.toml and the built wheel (default: a fresh temporary folder).
set -euo pipefail

step=${1:?usage: build-venv.sh deps|app|all VENV}
venv=${2:?usage: build-venv.sh deps|app|all VENV}
python=${PYTHON:-python3.11}
work=${WORK_DIR:-$(mktemp -d)}
uv=${UV:-uv}

# Bytecode is compiled at install so the first start of every process skips it.
export UV_COMPILE_BYTECODE=${UV_COMPILE_BYTECODE:-0}
export UV_PYTHON_DOWNLOADS=never

deps() {
    # pylock.toml (PEP 751) names each wheel's URL and hash, so uv installs exactly the
    # locked files and, offline, finds them in its cache without the index pages.
    # The Hugging Face Hub client and its download helpers come in only through `tokenizers`,
    # whose tokenizer this service loads from an installed package: nothing is fetched from
    # the Hub at run time, so the image leaves out about 25 MB it would never import.
    "$uv" export --locked --no-dev --no-emit-project --format pylock.toml \
        --no-emit-package huggingface-hub --no-emit-package hf-xet \
        --no-emit-package fsspec --no-emit-package filelock --no-emit-package tqdm \
        --quiet --output-file "$work/pylock.toml"
    [[ -x "$venv/bin/python" ]] || "$uv" venv --quiet --python "$python" "$venv"
    "$uv" pip install --quiet --python "$venv/bin/python" -r "$work/pylock.toml"
}

app() {
    rm -rf "$work/dist"
    "$uv" build --quiet --wheel --out-dir "$work/dist"
    "$uv" pip install --quiet --python "$venv/bin/python" --no-deps "$work"/dist/*.whl
}

case "$step" in
    deps) deps ;;
    app) app ;;
    all) deps && app ;;
    *) echo "build-venv.sh: unknown step '$step' (deps, app or all)" >&2; exit 2 ;;
esac
