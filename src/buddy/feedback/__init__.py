"""Feedback on answers, tied to the answer's trace span; stored before anything else."""
