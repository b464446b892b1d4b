"""The double-entry journal (会计分录): every money movement of the platform, append-only."""
