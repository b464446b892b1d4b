"""Operations API: the audit trail, queue health, dead messages and jobs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from carecover.operations import repository, service
from carecover.operations.schemas import AuditEntryRead, JobRead, MessageRead, QueueHealth
from carecover.platform.auth.roles import Permission
from carecover.platform.auth.service import Principal
from carecover.platform.events import MessageStatus
from carecover.platform.http.deps import DbSession, ReqInfo, actor_of, require
from carecover.platform.jobs import JobStatus
from carecover.platform.pagination import Limit, Offset, Page

router = APIRouter(tags=["operations"])

AuditReader = Annotated[Principal, Depends(require(Permission.audit_read), scope="function")]
JobsReader = Annotated[Principal, Depends(require(Permission.jobs_read), scope="function")]
OpsManager = Annotated[Principal, Depends(require(Permission.operations_manage), scope="function")]


@router.get("/audit", response_model=Page[AuditEntryRead])
def list_audit(
    session: DbSession,
    _principal: AuditReader,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AuditEntryRead]:
    rows, total = repository.list_audit(
        session,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        limit=limit,
        offset=offset,
    )
    return Page[AuditEntryRead](
        items=[AuditEntryRead.model_validate(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/operations/health", response_model=QueueHealth)
def health(session: DbSession, _principal: JobsReader) -> QueueHealth:
    return service.queue_health(session)


@router.get("/operations/jobs", response_model=Page[JobRead])
def list_jobs(
    session: DbSession,
    _principal: JobsReader,
    status: JobStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[JobRead]:
    rows, total = repository.list_jobs(session, status=status, limit=limit, offset=offset)
    return Page[JobRead](
        items=[JobRead.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get("/operations/messages", response_model=Page[MessageRead])
def list_messages(
    session: DbSession,
    _principal: JobsReader,
    status: MessageStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[MessageRead]:
    rows, total = repository.list_messages(session, status=status, limit=limit, offset=offset)
    return Page[MessageRead](
        items=[MessageRead.model_validate(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("/operations/messages/{message_id}/retry", response_model=MessageRead)
def retry_message(
    message_id: uuid.UUID, session: DbSession, principal: OpsManager, info: ReqInfo
) -> MessageRead:
    message = service.retry_message(session, actor_of(principal, info), message_id)
    return MessageRead.model_validate(message)


@router.post("/operations/jobs/{job_id}/retry", response_model=JobRead)
def retry_job(
    job_id: uuid.UUID, session: DbSession, principal: OpsManager, info: ReqInfo
) -> JobRead:
    return JobRead.model_validate(service.retry_job(session, actor_of(principal, info), job_id))
