"""C# AI Buddy: an assistant for C#/.NET developers who build AI apps."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("csharp-ai-buddy")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
