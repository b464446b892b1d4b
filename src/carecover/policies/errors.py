"""Errors raised by policy use cases."""

from __future__ import annotations

from carecover.platform.errors import Conflict


class PolicyOverlap(Conflict):
    """Another live policy of the same kind covers part of this period for this vehicle."""

    code = "policy_overlap"


class WrongStatus(Conflict):
    """The policy is not in a state that allows this step."""

    code = "policy_wrong_status"


class CancelNotAllowed(Conflict):
    """Compulsory insurance may end early only when the vehicle is scrapped or transferred, or
    the policy duplicates another."""

    code = "cancel_not_allowed"
