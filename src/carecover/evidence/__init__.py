"""Evidence log (证据存证): an RFC 9162 Merkle log of salted commitments with signed checkpoints,
inclusion and consistency proofs, evidence bundles and a nightly self-audit."""
