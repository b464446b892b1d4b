"""API shapes of the evidence log. Hashes and bytes travel as standard base64."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class CheckpointRead(BaseModel):
    origin: str
    size: int
    root: str = Field(description="base64 SHA-256 tree root")
    note: str = Field(description="the C2SP signed note (checkpoint body + signature lines)")
    public_key: str = Field(description="verifier key: name+keyid+base64(0x01‖Ed25519 key)")
    created_at: datetime | None


class EntryRead(BaseModel):
    index: int
    leaf: str = Field(description="base64 of the canonical (RFC 8785) envelope bytes")
    leaf_hash: str
    envelope: dict[str, Any]
    integrated_at: datetime


class InclusionProofRead(BaseModel):
    index: int
    size: int
    leaf_hash: str
    proof: list[str]


class ConsistencyProofRead(BaseModel):
    size1: int
    size2: int
    proof: list[str]


class RecordRead(BaseModel):
    id: str
    kind: str
    subject_type: str
    subject_id: str
    version: int
    commitment: str
    prev_commitment: str | None
    created_at: datetime
    erased: bool
    leaf_index: int | None = Field(description="null while the record waits to be sequenced")


class AuditRunRead(BaseModel):
    started_at: datetime
    finished_at: datetime
    size: int
    checkpoints_checked: int
    ok: bool
    problem_code: str | None
    problem: str | None


class LogStatusRead(BaseModel):
    checkpoint: CheckpointRead | None
    pending: int
    last_audit: AuditRunRead | None
