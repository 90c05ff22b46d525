"""Text from HTML, by one library (html-to-markdown, a Rust HTML5 parser and converter):
plain text for news items, Markdown for knowledge-base pages.

Entities are decoded once, by the parser: `&amp;lt;` stays the text `&lt;`.
"""

from __future__ import annotations

import re

from html_to_markdown import ConversionOptions, convert

from buddy.plaintext import normalise_space

_PLAIN = ConversionOptions(output_format="plain", extract_metadata=False, skip_images=True)
# A page's site furniture (menus, banners, footers) and drawings are no part of its text.
# Headings, lists, tables and fenced code (with the language from `language-*`/`lang-*`
# classes) are kept, for the Markdown parser and the chunker that follow.
_PAGE = ConversionOptions(
    heading_style="atx",
    code_block_style="backticks",
    exclude_selectors=["nav", "header", "footer", "svg"],
    compact_tables=True,  # padding cells to one width only adds tokens to embed
    skip_images=True,
    extract_metadata=True,
)
# The library writes the page's metadata as front matter; a page opening with <hr> gives a
# bare `---` line followed by a blank one instead.
_FRONT_MATTER = re.compile(r"\A---\n(?=\S).*?\n---\n", re.S)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment, paragraphs kept as blank-line-separated blocks."""
    return normalise_space(convert(markup, _PLAIN).content or "")


def html_to_markdown(markup: str) -> tuple[str, str]:
    """The page's <title> and its body as Markdown."""
    result = convert(markup, _PAGE)
    body = _FRONT_MATTER.sub("", result.content or "", count=1)
    title = result.metadata.document.title
    return normalise_space(title or ""), body.strip("\n")
