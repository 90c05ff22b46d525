"""Answer evaluation: cases, deterministic checks, an LLM judge and the run that ties them."""
