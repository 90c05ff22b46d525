"""The assistant as an MCP server: its knowledge base, NuGet data, samples and news as tools
for coding agents, over streamable HTTP at `/mcp` in the web app and over stdio (`buddy mcp`)."""
