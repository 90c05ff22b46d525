"""Read and validate a samples catalog (JSON or YAML); errors name the line and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from buddy.errors import BuddyError
from buddy.samples.schemas import SampleEntry
from buddy.storage.records import Sample

_ENTRIES = TypeAdapter(list[SampleEntry])


class CatalogError(BuddyError):
    code = "invalid_catalog"


def load_catalog(path: Path) -> list[Sample]:
    """The catalog's samples; a list at the top level or under a `samples` key."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read ({type(exc).__name__})") from None
    return parse_catalog(text, str(path))


def parse_catalog(text: str, name: str) -> list[Sample]:
    data = _load(text, name)
    under_key = isinstance(data, dict) and "samples" in data
    entries = data["samples"] if isinstance(data, dict) and under_key else data
    if not isinstance(entries, list):
        raise CatalogError(f"{name}: expected a list of samples (or a 'samples' list)")
    try:
        parsed = _ENTRIES.validate_python(entries)
    except ValidationError as exc:
        raise CatalogError(_describe(exc, text, name, entries, under_key)) from None
    seen: set[str] = set()
    for index, entry in enumerate(parsed):
        if entry.id in seen:
            line = _line_of(text, under_key, index)
            raise CatalogError(f"{name}:{line}: sample {index + 1}: duplicate id '{entry.id}'")
        seen.add(entry.id)
    return [entry.to_record() for entry in parsed]


def _load(text: str, name: str) -> Any:
    try:
        if name.endswith(".json"):
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{name}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise CatalogError(f"{name}{line}: not valid YAML") from None


def _describe(
    exc: ValidationError, text: str, name: str, entries: list[Any], under_key: bool
) -> str:
    first = exc.errors(include_url=False, include_input=False)[0]
    location = first["loc"]
    index = location[0] if location and isinstance(location[0], int) else 0
    field = ".".join(str(part) for part in location[1:]) or "entry"
    entry = entries[index] if index < len(entries) else None
    sample_id = entry.get("id") if isinstance(entry, dict) else None
    label = f"sample {index + 1}" + (f" (id '{sample_id}')" if sample_id else "")
    line = _line_of(text, under_key, index, str(location[1]) if len(location) > 1 else None)
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{name}:{line}: {label}: field '{field}': {first['msg']}{suffix}"


def _line_of(text: str, under_key: bool, index: int, key: str | None = None) -> int:
    """1-based line of entry `index` (or of its `key`), found through YAML's node marks."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return 1
    node: Any = root
    if under_key and isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if k.value == "samples"), node)
    if not isinstance(node, yaml.SequenceNode) or index >= len(node.value):
        return 1
    item = node.value[index]
    if key is not None and isinstance(item, yaml.MappingNode):
        for key_node, _ in item.value:
            if key_node.value == key:
                return int(key_node.start_mark.line) + 1
    return int(item.start_mark.line) + 1
