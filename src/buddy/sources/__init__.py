"""Registered knowledge sources: where their pages come from and how they are read."""
