"""What can go wrong with tasks, named after the fact; `project/errors.py` gives each its status and code."""

from __future__ import annotations

from api.exceptions import ObjectNotFound, RejectedValue


class TaskNotFound(ObjectNotFound):
    """Missing, or not visible to the caller: one answer for both, so ids reveal nothing."""


class AssigneeUnavailable(RejectedValue):
    """No active user has the id given as assignee."""

    kind = "invalid_assignee"

    def __init__(self) -> None:
        super().__init__("assignee_id", "No active user has this id.")


class UnknownPolicyName(RejectedValue):
    """A policy name, asked about in a query, that no app registered."""

    source = "query"
    kind = "unknown_policy"

    def __init__(self) -> None:
        super().__init__("policy", "No policy has this name.")
