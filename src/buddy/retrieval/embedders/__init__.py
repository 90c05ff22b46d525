"""Embedders turn text into L2-normalised float32 vectors; one per model family."""
