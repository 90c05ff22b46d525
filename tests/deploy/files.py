"""The deployment files as data: the Dockerfile's stages, compose services, the Makefile's uv."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
RENDER = ROOT / "render.yaml"
# The service's image in compose.yaml: services built from it run `buddy`.
APP_IMAGE = "csharp-ai-buddy:local"


class Instruction(NamedTuple):
    name: str
    value: str


@dataclass(frozen=True)
class Stage:
    base: str
    name: str
    instructions: tuple[Instruction, ...]

    def values(self, name: str) -> list[str]:
        return [item.value for item in self.instructions if item.name == name]

    def env(self) -> dict[str, str]:
        """Every ENV this stage sets (later ones win), as the parser reads them."""
        found: dict[str, str] = {}
        for value in self.values("ENV"):
            for word in shlex.split(value):
                key, _, item = word.partition("=")
                found[key] = item
        return found


def dockerfile_stages() -> list[Stage]:
    """The Dockerfile's stages in order, comments left out."""
    stages: list[Stage] = []
    current: list[Instruction] = []
    base = name = ""
    for item in DockerfileParser(str(DOCKERFILE)).structure:
        instruction = Instruction(item["instruction"], item["value"])
        if instruction.name == "FROM":
            if base:
                stages.append(Stage(base, name, tuple(current)))
            words = instruction.value.split()
            base, name, current = words[0], words[-1] if "AS" in words else "", []
        elif instruction.name != "COMMENT" and base:
            current.append(instruction)
    stages.append(Stage(base, name, tuple(current)))
    return stages


def global_args() -> dict[str, str]:
    """ARGs before the first FROM, with their defaults."""
    found: dict[str, str] = {}
    for item in DockerfileParser(str(DOCKERFILE)).structure:
        if item["instruction"] == "FROM":
            break
        if item["instruction"] == "ARG":
            key, _, value = item["value"].partition("=")
            found[key] = value
    return found


def exec_form(value: str) -> list[str]:
    """The argument list of an exec-form ENTRYPOINT/CMD (`["buddy", "serve"]`)."""
    parsed = json.loads(value)
    assert isinstance(parsed, list), f"{value!r} is not exec form"
    return [str(word) for word in parsed]


def makefile_uv_version() -> str:
    match = re.search(r"^UV_VERSION\s*:?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert match, "the Makefile pins no UV_VERSION"
    return match.group(1)


def load_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def compose_services() -> dict[str, dict[str, Any]]:
    services = load_yaml(COMPOSE)["services"]
    assert isinstance(services, dict)
    return services
