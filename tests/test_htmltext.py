"""Text from HTML: plain text for news, Markdown for knowledge-base pages."""

from __future__ import annotations

import pytest

from buddy.htmltext import html_to_markdown, html_to_text

PAGE = """<!doctype html><html><head><title>Generics &amp;lt;T&amp;gt; &amp; you</title>
<style>p { color: red }</style><script>var hidden = 1;</script></head><body>
<header><a href="/">Site banner</a></header><nav><ul><li>Menu entry</li></ul></nav>
<main><h1>Chat clients</h1><p>Use <code>IChatClient</code> with <em>any</em> provider.</p>
<h2>Install</h2><ul><li>Add the package</li><li>Register the client</li></ul>
<pre><code class="lang-csharp">var list = new List&lt;string&gt;();
if (a &amp;&amp; b) { }</code></pre>
<hr><table><tr><th>Provider</th><th>Package</th></tr><tr><td>Ollama</td><td>OllamaSharp</td></tr>
</table><svg><text>drawing</text></svg><img src="x.png" alt="a picture"></main>
<footer>Privacy and terms</footer></body></html>"""


def test_entities_are_decoded_once() -> None:
    # The text of `&amp;lt;T&amp;gt;` is `&lt;T&gt;`: decoding it again would invent a tag.
    assert html_to_text("<p>Use &amp;lt;T&amp;gt;</p>") == "Use &lt;T&gt;"
    assert html_to_text("AT&amp;T &lt;b&gt; &copy;&nbsp;2025") == "AT&T <b> © 2025"
    assert html_to_markdown(PAGE)[0] == "Generics &lt;T&gt; & you"


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>One <b>bold</b> word.</p><p>Two</p>", "One bold word.\n\nTwo"),
        ("Line<br>break", "Line\nbreak"),
        ("<div><script>alert(1)</script><style>p{}</style>Seen</div>", "Seen"),
        ("plain text, 2 < 3 and *stars*", "plain text, 2 < 3 and *stars*"),
        ("   spaced \t out  ", "spaced out"),
        ("", ""),
    ],
)
def test_news_text_is_the_visible_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


def test_a_page_becomes_markdown_that_chunking_can_follow() -> None:
    _, body = html_to_markdown(PAGE)
    assert body.startswith("# Chat clients\n\nUse `IChatClient` with *any* provider.\n\n## Install")
    assert "- Add the package\n- Register the client" in body
    assert "```csharp\nvar list = new List<string>();\nif (a && b) { }\n```" in body
    assert "| Ollama | OllamaSharp |" in body
    dropped = ("Site banner", "Menu entry", "Privacy and terms", "drawing", "picture", "hidden")
    for furniture in (*dropped, "color: red"):
        assert furniture not in body


def test_a_page_opening_with_a_rule_keeps_its_text() -> None:
    assert html_to_markdown("<hr><p>Note: first</p><hr><p>then</p>") == (
        "",
        "---\n\nNote: first\n\n---\n\nthen",
    )
