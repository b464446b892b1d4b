"""Importing every module that registers event handlers or jobs, so the worker knows them all."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "carecover.platform.auth.models",
    "carecover.platform.audit.models",
    "carecover.platform.events.models",
    "carecover.platform.jobs.models",
    "carecover.evidence.models",
    "carecover.accounts.models",
    "carecover.customers.models",
    "carecover.partners.models",
    "carecover.vehicles.models",
    "carecover.policies.models",
    "carecover.benefits.models",
    "carecover.parts.models",
    "carecover.claims.models",
    "carecover.telematics.models",
    "carecover.charging.models",
    "carecover.bookings.models",
    "carecover.orders.models",
    "carecover.accounting.models",
)

HANDLER_AND_JOB_MODULES = (
    "carecover.platform.auth.jobs",
    "carecover.platform.events.jobs",
    "carecover.evidence.jobs",
    "carecover.accounts.handlers",
    "carecover.policies.jobs",
    "carecover.benefits.handlers",
    "carecover.claims.handlers",
    "carecover.telematics.handlers",
    "carecover.telematics.jobs",
    "carecover.parts.service",
    "carecover.orders.handlers",
    "carecover.bookings.handlers",
    "carecover.charging.jobs",
    "carecover.orders.jobs",
)


def load_models() -> None:
    """Import every ORM module so ``Base.metadata`` knows all tables."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def load_all() -> None:
    load_models()
    for name in HANDLER_AND_JOB_MODULES:
        importlib.import_module(name)
