"""NuGet v3: package search and details from a service index (nuget.org by default)."""
