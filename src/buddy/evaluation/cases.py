"""Answer eval cases: our JSON Lines format, and the seed's JSON arrays read unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from buddy.chat.schemas import ChatFilters, ChatRequest, HistoryTurn
from buddy.errors import InvalidInputError

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Expect(BaseModel):
    """What the answer must do, checked without a model."""

    model_config = ConfigDict(extra="forbid")

    cite_any: list[NonEmpty] = []
    mention_all: list[NonEmpty] = []
    mention_any: list[NonEmpty] = []
    packages: list[NonEmpty] = []
    has_code: bool | None = None
    declines: bool | None = None


class Case(BaseModel):
    """One question and what a good answer to it looks like."""

    model_config = ConfigDict(extra="forbid")

    id: NonEmpty
    question: NonEmpty
    history: list[HistoryTurn] = []
    filters: ChatFilters = ChatFilters()
    rubric: str = ""
    expect: Expect = Expect()

    def request(self) -> ChatRequest:
        """The chat request the web page would send for this case."""
        return ChatRequest(message=self.question, history=self.history, filters=self.filters)


class SeedCase(BaseModel):
    """A case of the seed's `evals/test_cases/*.json`: input, expected output, criteria."""

    model_config = ConfigDict(extra="allow")

    id: NonEmpty
    input: NonEmpty
    expected: Any = None
    criteria: Any = None
    metadata: dict[str, Any] = {}

    def as_case(self) -> Case:
        parts = []
        if self.expected:
            parts.append(f"Expected: {_as_text(self.expected)}")
        if self.criteria:
            parts.append(f"Criteria: {_as_text(self.criteria)}")
        return Case(id=self.id, question=self.input, rubric="\n".join(parts))


class CaseFileError(InvalidInputError):
    code = "bad_case_file"


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "; ".join(_as_text(item) for item in value)
    return json.dumps(value, ensure_ascii=False)


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(part) for part in error["loc"])
    return f"field '{field}': {error['msg']}" if field else str(error["msg"])


def load_cases(path: Path) -> list[Case]:
    """Every case of a file: JSON Lines, or a JSON array in the seed's format. A bad case
    raises CaseFileError naming the file, the line (or array item) and the field."""
    text = path.read_text("utf-8")
    if text.lstrip().startswith("["):
        return _seed_cases(path, text)
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            cases.append(Case.model_validate_json(line))
        except ValidationError as exc:
            raise CaseFileError(f"{path}:{number}: {_first_problem(exc)}") from None
    return _unique(path, cases)


def _seed_cases(path: Path, text: str) -> list[Case]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError(f"{path}:{exc.lineno}: not JSON ({exc.msg})") from None
    cases = []
    for number, item in enumerate(items, start=1):
        try:
            cases.append(SeedCase.model_validate(item).as_case())
        except ValidationError as exc:
            raise CaseFileError(f"{path}: case {number}: {_first_problem(exc)}") from None
    return _unique(path, cases)


def _unique(path: Path, cases: list[Case]) -> list[Case]:
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CaseFileError(f"{path}: case id '{case.id}' appears twice")
        seen.add(case.id)
    return cases


def load_case_files(paths: list[Path]) -> list[Case]:
    """The cases of several files in order; ids must be unique across them."""
    cases = [case for path in paths for case in load_cases(path)]
    return _unique(Path(", ".join(str(path) for path in paths)), cases)


def case_from_vote(vote: dict[str, object]) -> Case | None:
    """A ready-to-edit case from one exported vote (`buddy feedback export`): the question, the
    comment as the rubric and the rated answer's citations noted in it; None when the answer
    aged out of retention and its question is unknown."""
    question = vote.get("question")
    if not isinstance(question, str) or not question.strip():
        return None
    sources = vote.get("sources")
    cited = [str(url) for url in sources] if isinstance(sources, list) else []
    rubric = str(vote.get("comment") or "").strip() or "(why the answer was rated down)"
    if cited:
        rubric += f"\nThe rated answer cited: {', '.join(cited)}"
    return Case(id=f"feedback-{vote.get('span_id')}", question=question, rubric=rubric)
