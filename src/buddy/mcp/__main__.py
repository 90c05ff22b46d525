"""`python -m buddy.mcp`: the stdio server, with settings from the environment."""

from __future__ import annotations

import asyncio

from buddy.config import load_settings
from buddy.mcp.stdio import serve_stdio

asyncio.run(serve_stdio(load_settings()))
