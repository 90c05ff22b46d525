"""HTML pages become Markdown-like text (headings, paragraphs, fenced code) for the same parser."""

from __future__ import annotations

import html
from html.parser import HTMLParser

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = frozenset("p div li tr section article blockquote dd dt table ul ol br hr".split())
_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "nav", "header", "footer"})


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skipping = 0
        self.in_pre = False
        self.title = ""
        self.in_title = False

    def _break(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.lines.extend([text, ""])
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "pre":
            self._break()
            self.in_pre = True
            self.lines.append("```" + _language_of(attrs))
        elif tag == "code" and self.in_pre and self.lines and self.lines[-1] == "```":
            self.lines[-1] = "```" + _language_of(attrs)
        elif tag in _HEADINGS or tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "title":
            self.in_title = False
        elif tag == "pre":
            self.lines.extend(["".join(self.current).strip("\n"), "```", ""])
            self.current = []
            self.in_pre = False
        elif tag in _HEADINGS:
            text = " ".join("".join(self.current).split())
            if text:
                self.lines.extend(["#" * _HEADINGS[tag] + " " + text, ""])
            self.current = []
        elif tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.skipping:
            self.current.append(data)


def _language_of(attrs: list[tuple[str, str | None]]) -> str:
    classes = (dict(attrs).get("class") or "").split()
    named = [name.removeprefix("language-").removeprefix("lang-") for name in classes]
    return named[0] if named else ""


def html_to_markdown(markup: str) -> tuple[str, str]:
    """The page's <title> and its body as Markdown-like text."""
    converter = _Converter()
    converter.feed(markup)
    converter.close()
    converter._break()
    return html.unescape(converter.title.strip()), "\n".join(converter.lines)
