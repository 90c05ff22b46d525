"""`python -m buddy` is the same as the `buddy` command."""

from buddy.cli import main

main()
