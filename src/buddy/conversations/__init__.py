"""Saved conversations: history that survives a reload, a list, and share links."""
