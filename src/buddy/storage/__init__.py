"""Storage: protocols in base.py, one backend package per engine."""
