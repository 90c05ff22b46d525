"""The Dockerfile, compose.yaml and render.yaml, checked here where no container engine runs.

Each file is linted or validated against a schema, then read for what the schemas cannot
say: a non-root user, health checks, real settings, real `buddy` commands.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from buddy.cli import app as buddy_cli
from buddy.config import Settings, env_name
from tests.deploy.files import (
    APP_IMAGE,
    COMPOSE,
    DOCKERFILE,
    RENDER,
    ROOT,
    compose_services,
    dockerfile_stages,
    exec_form,
    global_args,
    load_yaml,
    makefile_uv_version,
)

BIN = Path(sys.executable).parent
SETTINGS_NAMES = {env_name(name) for name in Settings.model_fields}
# Variables the image sets that are not settings of the service: the interpreter's own.
INTERPRETER_ENV = {"PATH", "PYTHONUNBUFFERED"}
SECRET_NAME = re.compile(r"KEY|PEPPER|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)


def assert_real_buddy_command(args: list[str]) -> None:
    """`buddy ARGS --help` succeeds only when ARGS name an existing command."""
    result = CliRunner().invoke(buddy_cli, [*args, "--help"])
    assert result.exit_code == 0, f"`buddy {' '.join(args)}` is not a buddy command"


def runtime_stage_env() -> dict[str, str]:
    return dockerfile_stages()[-1].env()


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", str(DOCKERFILE)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_builds_from_the_lock_in_a_separate_stage() -> None:
    build, runtime = dockerfile_stages()
    assert global_args()["PYTHON_IMAGE"] == "python:3.11-slim"
    assert build.base == runtime.base == "${PYTHON_IMAGE}"
    assert build.name == "build"
    assert any(value == f"UV_VERSION={makefile_uv_version()}" for value in build.values("ARG"))
    assert any('"uv==${UV_VERSION}"' in value for value in build.values("RUN"))
    copied = " ".join(build.values("COPY"))
    assert "uv.lock" in copied
    runs = " ".join(build.values("RUN"))
    assert "./build-venv.sh deps /opt/buddy" in runs
    assert "./build-venv.sh app /opt/buddy" in runs
    # Only the venv reaches the final stage.
    assert runtime.values("COPY") == ["--from=build /opt/buddy /opt/buddy"]


def test_build_script_uses_the_lock_without_dev_extras_and_the_wheel() -> None:
    script = (ROOT / "deploy" / "build-venv.sh").read_text()
    assert re.search(r"export --locked --no-dev --no-emit-project --format pylock\.toml", script)
    assert "build --quiet --wheel" in script
    assert "--no-deps" in script


def test_dockerfile_runtime_is_safe() -> None:
    stages = dockerfile_stages()
    runtime = stages[-1]
    users = runtime.values("USER")
    assert users, "the final stage never leaves root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    healthchecks = runtime.values("HEALTHCHECK")
    assert len(healthchecks) == 1
    assert "/health" in healthchecks[0]
    assert runtime.values("VOLUME") == ['["/data"]']
    env = runtime_stage_env()
    assert env["BUDDY_DATA_DIR"] == "/data"
    assert env["BUDDY_HOST"] == "0.0.0.0"  # noqa: S104 - inside the container, by design
    assert env["PORT"] == "8000"
    for stage in stages:
        # ADD can fetch URLs and unpack archives; COPY says exactly what enters the image.
        assert not stage.values("ADD")
        for key, value in {**stage.env(), **global_args()}.items():
            assert not SECRET_NAME.search(key), f"{key} would be baked into a layer"
            assert "://" not in value or "@" not in value, f"{key} holds a credential URL"


def test_dockerfile_env_and_command_are_real() -> None:
    runtime = dockerfile_stages()[-1]
    unknown = set(runtime_stage_env()) - SETTINGS_NAMES - INTERPRETER_ENV
    assert not unknown, f"not settings of the service: {sorted(unknown)}"
    entrypoint = exec_form(runtime.values("ENTRYPOINT")[-1])
    command = exec_form(runtime.values("CMD")[-1])
    assert entrypoint == ["buddy"]
    assert_real_buddy_command(command)


def test_uv_versions_agree() -> None:
    result = subprocess.run(
        [str(BIN / "uv"), "--version"], check=True, capture_output=True, text=True, timeout=30
    )
    assert result.stdout.split()[1] == makefile_uv_version()


def test_dockerignore_keeps_local_state_out_and_sources_in() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for kept_out in (".git", ".venv", "data/", ".env", "test-artifacts/"):
        assert kept_out in patterns
    sources = ["pyproject.toml", "uv.lock", "README.md", "src", "deploy/build-venv.sh"]
    sources.append("deploy/warm_start.py")
    for source in sources:
        for pattern in patterns:
            assert not fnmatch.fnmatch(source, pattern.rstrip("/")), f"{pattern} hides {source}"


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--no-cache", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_file_matches_the_compose_specification() -> None:
    result = check_jsonschema("--builtin-schema", "vendor.compose-spec", str(COMPOSE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_schema_check_refuses_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text().replace("stop_grace_period:", "stop_grace_periods:"))
    result = check_jsonschema("--builtin-schema", "vendor.compose-spec", str(broken))
    assert result.returncode == 1
    assert "stop_grace_periods" in result.stdout


def test_compose_app_services_set_only_real_settings_and_commands() -> None:
    app_services = {
        name: service
        for name, service in compose_services().items()
        if service.get("image") == APP_IMAGE
    }
    assert set(app_services) == {"init", "app", "app-2"}
    for name, service in app_services.items():
        unknown = set(service["environment"]) - SETTINGS_NAMES
        assert not unknown, f"{name}: not settings of the service: {sorted(unknown)}"
        assert_real_buddy_command(service["command"])
        assert service["environment"]["ENVIRONMENT"] == "production"
        assert not any(SECRET_NAME.search(key) for key in service["environment"])
        assert service["env_file"] == [{"path": ".env", "required": True}]
    assert app_services["init"]["command"] == ["db", "init"]


def test_compose_services_are_health_checked_and_wait_for_each_other() -> None:
    services = compose_services()
    assert services["mongo"]["image"].startswith("mongodb/mongodb-atlas-local:")
    assert services["phoenix"]["image"].startswith("arizephoenix/phoenix:")
    for name, service in services.items():
        if name == "init":
            # One-shot: it exits once the indexes exist, and the apps wait for that exit.
            assert service["restart"] == "no"
            assert service["healthcheck"] == {"disable": True}
            continue
        assert service["healthcheck"]["test"][0] == "CMD", name
    for app in ("app", "app-2"):
        depends = services[app]["depends_on"]
        assert depends["init"] == {"condition": "service_completed_successfully"}
        assert depends["mongo"] == {"condition": "service_healthy"}
        assert depends["phoenix"] == {"condition": "service_healthy"}
    assert services["init"]["depends_on"]["mongo"] == {"condition": "service_healthy"}
    assert services["app"]["environment"]["PHOENIX_COLLECTOR_ENDPOINT"] == "http://phoenix:6006"
    assert services["app"]["environment"]["MONGODB_URI"].startswith("mongodb://mongo:27017/")


def test_compose_publishes_only_the_app_by_default_and_scales_behind_a_proxy() -> None:
    services = compose_services()
    default = {name for name, service in services.items() if "profiles" not in service}
    assert default == {"mongo", "phoenix", "init", "app"}
    published = {name for name in default if services[name].get("ports")}
    assert published == {"app"}
    scale = {name for name, service in services.items() if "scale" in service.get("profiles", [])}
    assert scale == {"app-2", "proxy"}
    assert services["proxy"]["depends_on"] == {
        "app": {"condition": "service_healthy"},
        "app-2": {"condition": "service_healthy"},
    }
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy app:8000 app-2:8000" in caddyfile
    assert "flush_interval -1" in caddyfile
    volumes = set(load_yaml(COMPOSE)["volumes"])
    assert {"mongo-db", "mongo-search", "phoenix-data", "app-data"} <= volumes


def test_render_blueprint_validates_and_sets_real_settings() -> None:
    schema = Path(__file__).with_name("render_blueprint.schema.json")
    result = check_jsonschema("--schemafile", str(schema), str(RENDER))
    assert result.returncode == 0, result.stdout + result.stderr
    (service,) = load_yaml(RENDER)["services"]
    assert service["runtime"] == "docker"
    assert service["healthCheckPath"] == "/health"
    assert service["disk"]["mountPath"] == runtime_stage_env()["BUDDY_DATA_DIR"]
    keys = [item["key"] for item in service["envVars"]]
    assert len(keys) == len(set(keys))
    assert not set(keys) - SETTINGS_NAMES, sorted(set(keys) - SETTINGS_NAMES)
    for item in service["envVars"]:
        if SECRET_NAME.search(item["key"]) or item["key"] == "MONGODB_URI":
            assert "value" not in item, f"{item['key']} must not be written into render.yaml"


@pytest.mark.parametrize(
    ("field", "value"),
    [("healthCheckPath", "health"), ("maxShutdownDelaySeconds", 60), ("runtime", "python")],
)
def test_render_schema_refuses_what_render_refuses(
    tmp_path: Path, field: str, value: object
) -> None:
    blueprint = load_yaml(RENDER)
    blueprint["services"][0][field] = value
    broken = tmp_path / "render.yaml"
    broken.write_text(yaml.safe_dump(blueprint))
    schema = Path(__file__).with_name("render_blueprint.schema.json")
    assert check_jsonschema("--schemafile", str(schema), str(broken)).returncode == 1
