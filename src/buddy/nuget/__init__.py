"""NuGet v3: package search and details from a service index (nuget.org by default)."""

# Here rather than in service.py so `buddy nuget search --help` can show the cap without
# importing the service.
MAX_TAKE = 100  # results one search returns at most
