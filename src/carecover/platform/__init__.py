"""The cross-cutting kernel every domain builds on; it imports no domain."""
