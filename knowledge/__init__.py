"""The FinOps knowledge base: articles as Markdown files, a validating loader, and a pure search."""
