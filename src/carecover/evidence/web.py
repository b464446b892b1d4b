"""Evidence pages: the public log page anyone can check, and the auditors' console."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from carecover.evidence import service
from carecover.evidence.errors import CheckpointMissing, EntryNotFound
from carecover.evidence.service import audit, log
from carecover.platform.auth.roles import Permission
from carecover.platform.errors import Forbidden
from carecover.platform.web.deps import CheckedContext, PageContext, WebContext, permission_required

router = APIRouter(include_in_schema=False)

AuditDesk = Annotated[WebContext, permission_required(Permission.audit_read)]


@dataclass(frozen=True)
class EntryCheck:
    """An entry looked up on a page, with its proof checked here against the signed checkpoint."""

    index: int
    envelope: dict[str, Any]
    leaf_hash: str
    proof: list[str]
    size: int
    verified: bool
    reason: str | None


def check_entry(ctx: WebContext, index: int) -> EntryCheck | None:
    """Inclusion of entry ``index`` in the latest checkpoint, verified like an outsider would."""
    try:
        leaf = log.entry(ctx.session, index)
    except EntryNotFound:
        return None
    checkpoint = service.verified_checkpoint(ctx.session, service.get_signer())
    if checkpoint is None:
        return None
    proof, reason = service.check_leaf(ctx.session, leaf, checkpoint)
    return EntryCheck(
        index=index,
        envelope=json.loads(leaf.body),
        leaf_hash=leaf.leaf_hash.hex(),
        proof=[h.hex() for h in proof],
        size=checkpoint.size,
        verified=reason is None,
        reason=reason,
    )


def _log_view(ctx: WebContext) -> dict[str, Any]:
    signer = service.get_signer()
    try:
        cp = log.latest_checkpoint(ctx.session)
    except CheckpointMissing:
        cp = None
    return {"checkpoint": cp, "public_key": signer.vkey, "origin": signer.origin}


@router.get("/evidence", response_model=None)
def public_log(
    ctx: PageContext, index: Annotated[int | None, Query(ge=0, lt=2**63)] = None
) -> Response:
    """The log's public face: checkpoint, key, how to verify, and an entry lookup."""
    checked = check_entry(ctx, index) if index is not None else None
    return ctx.render("evidence/public.html", **_log_view(ctx), index=index, checked=checked)


@router.get("/staff/evidence", response_model=None)
def console(ctx: AuditDesk, index: Annotated[int | None, Query(ge=0, lt=2**63)] = None) -> Response:
    """Auditors: log status, the self-audit history, recent entries and entry checks."""
    checked = check_entry(ctx, index) if index is not None else None
    entries = [(leaf, json.loads(leaf.body)) for leaf in log.recent_entries(ctx.session, limit=15)]
    return ctx.render(
        "evidence/console.html",
        **_log_view(ctx),
        pending=log.pending_count(ctx.session),
        last_audit=audit.latest_run(ctx.session),
        entries=entries,
        index=index,
        checked=checked,
    )


@router.post("/staff/evidence/audit", response_model=None)
def run_audit_now(ctx: CheckedContext) -> Response:
    """Run the self-audit now (operations managers); the result joins the history."""
    if not ctx.can(Permission.operations_manage):
        raise Forbidden()
    run = audit.run_audit(ctx.session, service.get_signer())
    return ctx.render("evidence/_audit.html", last_audit=run)
