"""Small documentation trees written by the tests (our own text, DocFX flavoured)."""

from __future__ import annotations

from pathlib import Path

AGENTS = """---
title: Building agents in Contoso AI
description: How to build an agent with the Agent Framework.
ms.date: 03/14/2025
---

# Build an agent

The Agent Framework lets you wrap a chat client in an agent.

[!INCLUDE [setup](includes/setup.md)]

> [!NOTE]
> Agents keep their conversation in a thread.

See the [older guide](legacy.md#history) for history.

::: zone pivot="programming-language-csharp"

## Create the agent in C#

```csharp
ContosoAgent agent = new(chatClient, instructions: "Be brief.");

var second = 2;
Console.WriteLine(await agent.RunAsync("Hello"));
```

:::code language="csharp" source="~/samples/Agent.cs" id="create":::

::: zone-end

::: zone pivot="programming-language-python"

## Create the agent in Python

```python
agent = contoso_agent(chat_client, instructions="Be brief.")
```

::: zone-end
"""

SETUP = """---
title: include
---
This is the shared setup paragraph from the include file, explaining the NuGet package to add.
"""

LEGACY = """---
title: Legacy planners
ms.date: MM/DD/YYYY
---

# Legacy planners

## History

Planners were replaced by function calling with automatic tool choice.
"""

INDEX = """---
title: Contoso guide home
---

# Contoso guide

Start here to learn about kernels, plugins and agents.
"""

HTML = """<html><head><title>An HTML page</title></head><body>
<h1>HTML guide</h1><p>Plain HTML documentation about embeddings generators.</p>
<pre><code class="language-csharp">var generator = new ContosoEmbeddingGenerator();</code></pre>
</body></html>"""


def write_tree(base: Path) -> Path:
    """A MicrosoftDocs-like tree under base/docs; returns its root."""
    root = base / "docs"
    (root / "guide" / "includes").mkdir(parents=True)
    (root / "docfx.json").write_text("{}")
    (root / "guide" / "agents.md").write_text(AGENTS)
    (root / "guide" / "includes" / "setup.md").write_text(SETUP)
    (root / "guide" / "legacy.md").write_text(LEGACY)
    (root / "guide" / "index.md").write_text(INDEX)
    (root / "guide" / "html-page.html").write_text(HTML)
    (root / "AGENTS.md").write_text("# Notes for coding agents\n")
    (root / ".github").mkdir()
    (root / ".github" / "skill.md").write_text("# hidden\n")
    return root
