"""The Agents SDK's stream events, told as chat events."""

from __future__ import annotations

import json
from typing import Any

from openai.types.responses import ResponseTextDeltaEvent

from buddy.chat.stream import Event, content, tool_call, tool_output

_ARGS_SHOWN = 500
_OUTPUT_SHOWN = 2000


class EventTranslator:
    """One per answer: remembers which tool each call id names (the SDK's output events carry
    only the id) and the answer's text (citations are the sources it links)."""

    def __init__(self) -> None:
        self.tool_names: dict[str, str] = {}
        self._answer: list[str] = []

    @property
    def answer(self) -> str:
        return "".join(self._answer)

    def translate(self, event: Any) -> list[Event]:
        if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            self._answer.append(event.data.delta)
            return [content(event.data.delta)]
        if event.type != "run_item_stream_event":
            return []
        if event.name == "tool_called":
            return [self._called(event.item.raw_item)]
        if event.name == "tool_output":
            raw = event.item.raw_item
            call_id = (
                raw.get("call_id", "") if isinstance(raw, dict) else getattr(raw, "call_id", "")
            )
            output = str(event.item.output)
            return [tool_output(self.tool_names.get(call_id, "tool"), output[:_OUTPUT_SHOWN])]
        return []

    def _called(self, raw: Any) -> Event:
        name = getattr(raw, "name", "tool")
        self.tool_names[getattr(raw, "call_id", "")] = name
        arguments = getattr(raw, "arguments", "") or "{}"
        try:
            args = json.loads(arguments)
        except json.JSONDecodeError:
            args = {"raw": str(arguments)[:_ARGS_SHOWN]}
        return tool_call(name, args if isinstance(args, dict) else {"value": args})
