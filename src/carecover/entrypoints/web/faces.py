"""Each role's home page: the entry to its face."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import func, select

from carecover.accounts import repository as accounts_repo
from carecover.accounts import service as accounts_service
from carecover.operations import repository as operations_repo
from carecover.operations import service as operations_service
from carecover.platform.audit import AuditEntry
from carecover.platform.auth.models import Organisation
from carecover.platform.auth.roles import Permission, Role
from carecover.platform.events import MessageStatus
from carecover.platform.jobs import JobStatus
from carecover.platform.web.deps import OwnerPage, PartnerPage, StaffPage, WebContext

router = APIRouter(include_in_schema=False)


def _me(ctx: WebContext) -> dict[str, object]:
    assert ctx.principal is not None
    user = accounts_repo.get_user(ctx.session, ctx.principal.user_id)
    assert user is not None
    notices = accounts_repo.list_notifications(ctx.session, user.id, limit=5)
    return {
        "me": accounts_service.me_read(user),
        "notices": [(n, ctx.t(n.message_key, **n.params)) for n in notices],
    }


@router.get("/owner", response_model=None)
def owner_home(ctx: OwnerPage) -> Response:
    return ctx.render("owner/home.html", _me(ctx))


@router.get("/partner", response_model=None)
def partner_home(ctx: PartnerPage) -> Response:
    assert ctx.principal is not None
    assert ctx.principal.organisation_id is not None  # partner users always have one
    org = ctx.session.get(Organisation, ctx.principal.organisation_id)
    members, _ = accounts_repo.list_users(
        ctx.session, organisation_id=ctx.principal.organisation_id, limit=50, offset=0
    )
    team = [accounts_service.user_read(m) for m in members]
    return ctx.render("partner/home.html", _me(ctx), organisation=org, team=team)


@router.get("/staff", response_model=None)
def staff_home(ctx: StaffPage) -> Response:
    s = ctx.session
    by_role = accounts_repo.count_users_by_role(s)
    role_chart = {
        "labels": [ctx.t(f"role.{r.value}") for r in Role],
        "counts": [by_role.get(r, 0) for r in Role],
    }
    health = operations_service.queue_health(s)
    recent_audit: Sequence[AuditEntry] = []
    if ctx.can(Permission.audit_read):
        recent_audit, _ = operations_repo.list_audit(s, limit=10, offset=0)
    return ctx.render(
        "staff/home.html",
        _me(ctx),
        role_chart=role_chart,
        users_total=sum(by_role.values()),
        organisations_total=s.scalar(select(func.count()).select_from(Organisation)) or 0,
        outbox_pending=health.messages[MessageStatus.pending],
        outbox_dead=health.messages[MessageStatus.dead],
        jobs_queued=health.jobs[JobStatus.queued],
        jobs_dead=health.jobs[JobStatus.dead],
        recent_audit=recent_audit,
    )
