"""Staff console pages: the audit log and background work (with retry for administrators)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from carecover.operations import repository, service
from carecover.platform.auth.roles import Permission
from carecover.platform.errors import Forbidden
from carecover.platform.events import MessageStatus
from carecover.platform.jobs import JobStatus
from carecover.platform.pagination import Page
from carecover.platform.web.deps import CheckedContext, WebContext, permission_required

router = APIRouter(include_in_schema=False)

AuditPage = Annotated[WebContext, permission_required(Permission.audit_read)]
JobsPage = Annotated[WebContext, permission_required(Permission.jobs_read)]
PAGE_SIZE = 25


@router.get("/staff/audit", response_model=None)
def audit_page(
    ctx: AuditPage,
    action: Annotated[str | None, Query(max_length=80)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    rows, total = repository.list_audit(ctx.session, action=action, limit=PAGE_SIZE, offset=offset)
    page = Page[object](items=list(rows), total=total, limit=PAGE_SIZE, offset=offset)
    template = "operations/_audit_rows.html" if ctx.is_htmx else "operations/audit.html"
    return ctx.render(template, page=page, params={"action": action or ""}, action=action or "")


@router.get("/staff/operations", response_model=None)
def operations_page(ctx: JobsPage) -> Response:
    health = service.queue_health(ctx.session)
    dead_messages, _ = repository.list_messages(
        ctx.session, status=MessageStatus.dead, limit=50, offset=0
    )
    dead_jobs, _ = repository.list_jobs(ctx.session, status=JobStatus.dead, limit=50, offset=0)
    recent_jobs, _ = repository.list_jobs(ctx.session, status=None, limit=20, offset=0)
    return ctx.render(
        "operations/operations.html",
        health=health,
        dead_messages=dead_messages,
        dead_jobs=dead_jobs,
        recent_jobs=recent_jobs,
        can_retry=ctx.can(Permission.operations_manage),
    )


def _manager(ctx: WebContext) -> WebContext:
    if not ctx.can(Permission.operations_manage):
        raise Forbidden()
    return ctx


@router.post("/staff/operations/messages/{message_id}/retry", response_model=None)
def retry_message(message_id: uuid.UUID, ctx: CheckedContext) -> Response:
    message = service.retry_message(ctx.session, _manager(ctx).actor(), message_id)
    return ctx.render("operations/_retried.html", kind="message", item_id=message.id)


@router.post("/staff/operations/jobs/{job_id}/retry", response_model=None)
def retry_job(job_id: uuid.UUID, ctx: CheckedContext) -> Response:
    item = service.retry_job(ctx.session, _manager(ctx).actor(), job_id)
    return ctx.render("operations/_retried.html", kind="job", item_id=item.id)
