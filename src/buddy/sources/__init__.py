"""Registered knowledge sources: what they are, how each kind syncs, and the schedule."""
