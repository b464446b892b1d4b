"""Roles, permissions and the one table that joins them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who a user is to CareCover. Partner roles are scoped to one organisation."""

    owner = "owner"
    """A policyholder / car owner (车主) using the owner app."""
    partner_admin = "partner_admin"
    """Manages one partner organisation (服务商) and its staff."""
    partner_staff = "partner_staff"
    """Works orders for one partner organisation."""
    adjuster = "adjuster"
    """Handles claims and damage assessment (定损员)."""
    dispatcher = "dispatcher"
    """Runs the rescue dispatch board."""
    network_manager = "network_manager"
    """Admits, evaluates and settles partners."""
    customer_ops = "customer_ops"
    """Customer operations: segments, campaigns, complaints."""
    auditor = "auditor"
    """Reads everything provable; changes nothing."""
    admin = "admin"
    """Platform administrator."""


class Face(StrEnum):
    """The three web faces."""

    owner = "owner"
    partner = "partner"
    staff = "staff"


PARTNER_ROLES = frozenset({Role.partner_admin, Role.partner_staff})
STAFF_ROLES = frozenset(
    {
        Role.adjuster,
        Role.dispatcher,
        Role.network_manager,
        Role.customer_ops,
        Role.auditor,
        Role.admin,
    }
)


def face_of(role: Role) -> Face:
    """The web face a role lands on after sign-in."""
    if role is Role.owner:
        return Face.owner
    if role in PARTNER_ROLES:
        return Face.partner
    return Face.staff


class Permission(StrEnum):
    """Coarse permissions; per-object checks (own records, own organisation) live in services."""

    owner_app = "owner_app"
    partner_portal = "partner_portal"
    staff_console = "staff_console"
    profile_manage = "profile_manage"
    partner_team_read = "partner_team_read"
    partner_team_manage = "partner_team_manage"
    users_read = "users_read"
    users_manage = "users_manage"
    organisations_manage = "organisations_manage"
    audit_read = "audit_read"
    jobs_read = "jobs_read"
    operations_manage = "operations_manage"
    customers_read = "customers_read"
    customers_manage = "customers_manage"
    claims_handle = "claims_handle"
    """Assess, decide and pay claims; approve repair supplements (the adjuster desk)."""
    dispatch_manage = "dispatch_manage"
    """Take rescue orders on the phone, assign and reassign units, plan the coverage circle."""
    journal_read = "journal_read"
    """Read the double-entry journal (entries, lines, trial balance); nobody edits it."""


_EVERYONE = frozenset({Permission.profile_manage})
_STAFF = _EVERYONE | {Permission.staff_console, Permission.customers_read}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.owner: _EVERYONE | {Permission.owner_app},
    Role.partner_staff: _EVERYONE | {Permission.partner_portal, Permission.partner_team_read},
    Role.partner_admin: _EVERYONE
    | {Permission.partner_portal, Permission.partner_team_read, Permission.partner_team_manage},
    Role.adjuster: _STAFF | {Permission.claims_handle},
    Role.dispatcher: _STAFF | {Permission.dispatch_manage},
    Role.network_manager: _STAFF
    | {Permission.users_read, Permission.organisations_manage, Permission.journal_read},
    Role.customer_ops: _STAFF
    | {Permission.users_read, Permission.customers_manage, Permission.dispatch_manage},
    Role.auditor: _STAFF
    | {
        Permission.users_read,
        Permission.audit_read,
        Permission.jobs_read,
        Permission.journal_read,
    },
    Role.admin: _STAFF
    | {
        Permission.customers_manage,
        Permission.users_read,
        Permission.users_manage,
        Permission.organisations_manage,
        Permission.audit_read,
        Permission.jobs_read,
        Permission.operations_manage,
        Permission.claims_handle,
        Permission.dispatch_manage,
        Permission.journal_read,
    },
}


def has_permission(role: Role, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission`` (the only place roles are compared to rules)."""
    return permission in ROLE_PERMISSIONS[role]
