"""Tamper-evident ledger: canonical JSON, commitments and the Merkle transparency log."""
