"""Event types and the handler registry.

An event is a frozen dataclass with a past-tense name and a stable ``event_type`` string. Handlers
take ``(session, event)``; they run after the publishing transaction committed, each in a
transaction of its own, at least once, so they must be idempotent (the dispatcher records a receipt
per handler and message, in the handler's transaction, and skips handlers that already ran).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

_EVENT_TYPES: dict[str, type[DomainEvent]] = {}
_SUBSCRIBERS: dict[str, list[tuple[str, Callable[[Session, Any], None]]]] = {}


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base class. Subclasses set ``event_type`` ('<domain>.<past_tense_verb>')."""

    event_type: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.event_type:
            existing = _EVENT_TYPES.get(cls.event_type)
            if existing is not None and existing.__qualname__ != cls.__qualname__:
                raise ValueError(f"event type {cls.event_type!r} registered twice")
            _EVENT_TYPES[cls.event_type] = cls

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = _adapter(type(self)).dump_python(self, mode="json")
        return payload


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(cls: type[DomainEvent]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(cls.event_type)
    if adapter is None:
        adapter = _ADAPTERS[cls.event_type] = TypeAdapter(cls)
    return adapter


def event_class(event_type: str) -> type[DomainEvent]:
    try:
        return _EVENT_TYPES[event_type]
    except KeyError:
        raise LookupError(f"unknown event type {event_type!r}") from None


def load_event(event_type: str, payload: dict[str, Any]) -> DomainEvent:
    cls = event_class(event_type)
    event: DomainEvent = _adapter(cls).validate_python(payload)
    return event


E = TypeVar("E", bound=DomainEvent)


def subscribe(
    event_cls: type[E],
) -> Callable[[Callable[[Session, E], None]], Callable[[Session, E], None]]:
    """Register a handler for an event type (name = module.function, used for receipts)."""

    def register(func: Callable[[Session, E], None]) -> Callable[[Session, E], None]:
        name = f"{func.__module__}.{func.__qualname__}"
        handlers = _SUBSCRIBERS.setdefault(event_cls.event_type, [])
        if all(existing != name for existing, _ in handlers):
            handlers.append((name, func))
        return func

    return register


def subscribers(event_type: str) -> list[tuple[str, Callable[[Session, Any], None]]]:
    return list(_SUBSCRIBERS.get(event_type, []))
