"""The policy registry: which roles hold which named policy, and on which objects.

Apps register their policies in their own `policies.py` (discovered at start-up, like
`admin.py`); a deployment may re-grant roles from settings; that is the default matrix.
At run time a stored set (`permissions.models.RoleGrants`) replaces one role's defaults.
Every check is `evaluate`, whose Verdict also says why (the 403's `reason`, explain's
answer): dictionary look-ups plus the policy's object rule, no query of its own, because
the role comes from the user row that authentication already loaded, and so does the
grants version (`observe`): the stored sets are read again only when it moved.
"""

from __future__ import annotations

import enum
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from . import conf
from .exceptions import AlreadyRegistered, PolicyDenied, Reason, UnknownPolicy, UnknownRole
from .rules import Rule

#: The attribute of an authenticated user that carries the grants version read with it
#: (`permissions.store.grants_version_expression()`, annotated on the user query).
GRANTS_VERSION_ATTRIBUTE = "grants_version"

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_NO_OBJECT: Final = object()


class _EveryRole:
    """Stands for every role of `PERMISSIONS_ROLES`, whatever the project calls them."""

    def __repr__(self) -> str:
        return "EVERY_ROLE"


#: Grant a policy to every role: `policies.register("x.view", "...", EVERY_ROLE)`.
EVERY_ROLE: Final = _EveryRole()

#: A role as the registry takes it: its name, or a member of the roles enum.
RoleRef = str | enum.Enum


def role_name(role: RoleRef) -> str:
    """The role's name, checked against `PERMISSIONS_ROLES`."""
    name = role.value if isinstance(role, enum.Enum) else role
    if name not in conf.role_names():
        raise UnknownRole(f"{role!r} is not one of the roles of PERMISSIONS_ROLES: {', '.join(conf.role_names())}.")
    return str(name)


def role_names(roles: Iterable[RoleRef] | _EveryRole) -> frozenset[str]:
    if isinstance(roles, _EveryRole):
        return frozenset(conf.role_names())
    return frozenset(role_name(role) for role in roles)


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    roles: frozenset[str]
    rule: Rule | None = field(default=None, compare=False)
    #: Access levels (`access.public`, `access.authenticated`) are not role grants: they
    #: are left out of the published matrix and cannot be overridden.
    builtin: bool = False
    #: Anonymous callers pass (only `access.public`).
    anonymous: bool = False

    def __str__(self) -> str:
        return self.name


PolicyRef = Policy | str


def policy_name(ref: PolicyRef) -> str:
    return ref.name if isinstance(ref, Policy) else ref


#: How a role holds a policy: through the code's registered default, or through a grant
#: of this deployment that the defaults do not make.
GrantedBy = Literal["default", "grant"]


@dataclass(frozen=True)
class _Granted:
    """What the process holds: replaced whole, never changed in place (threads read it freely)."""

    #: The grants version these sets were read under; None: none read yet.
    version: int | None
    #: role -> the policies it holds instead of its defaults.
    stored: Mapping[str, frozenset[str]]
    #: policy -> the roles holding it now: the defaults, each stored role's set in place of its own.
    grants: Mapping[str, frozenset[str]]
    #: (policy, role) -> how the role holds it under these grants, filled as checks ask: it
    #: goes with the state it was read from, so a change of grants can never be answered by it.
    held_by: dict[tuple[str, str | None], GrantedBy | None] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Verdict:
    """One check's answer and why: what a 403 names, and what explain shows.

    `rule` is the name of the object rule that decided (None when no rule was asked:
    no object given, the policy has none, or the check stopped before it).
    """

    allowed: bool
    policy: str
    role: str | None
    reason: Reason | None = None
    granted_by: GrantedBy | None = None
    rule: str | None = None

    def denial(self) -> PolicyDenied:
        """The PolicyDenied this refusal raises."""
        if self.reason is None:
            raise ValueError(f"{self.policy} was allowed: there is nothing to deny.")
        return PolicyDenied(self.policy, self.reason)


class PolicyRegistry:
    def __init__(self) -> None:
        self._policies: dict[str, Policy] = {}
        #: policy -> the roles holding it by default (the code's, overrides applied).
        self._defaults: dict[str, frozenset[str]] = {}
        self._granted = _Granted(None, {}, {})
        self._reloading = threading.Lock()

    # --- declaring ------------------------------------------------------------------

    def register(
        self,
        name: str,
        description: str,
        roles: Iterable[RoleRef] | _EveryRole,
        rule: Rule | None = None,
        *,
        builtin: bool = False,
        anonymous: bool = False,
    ) -> Policy:
        if not _NAME.match(name):
            raise ValueError(f"Policy name {name!r} must be dotted lower-case, like 'tasks.assign'.")
        if name in self._policies:
            raise AlreadyRegistered(f"Policy {name!r} is already registered.")
        policy = Policy(name, description, role_names(roles), rule, builtin, anonymous)
        self._policies[name] = policy
        self._set_defaults({**self._defaults, name: policy.roles})
        return policy

    def override_roles(self, overrides: Mapping[str, Iterable[str]]) -> None:
        """Re-grant roles per deployment; an unknown policy or role is a configuration error.

        All entries are checked before any is applied: a bad override changes nothing.
        """
        grants: dict[str, frozenset[str]] = {}
        for name, roles in overrides.items():
            if self.get(name).builtin:
                raise ImproperlyConfigured(f"Policy {name!r} is an access level: it cannot be re-granted.")
            try:
                grants[name] = role_names(roles)
            except UnknownRole as exc:
                raise UnknownRole(f"Policy override for {name!r}: {exc}") from exc
        self._set_defaults({**self._defaults, **grants})

    def reset_roles(self) -> None:
        """Back to the registered defaults (undo `override_roles`)."""
        self._set_defaults({name: p.roles for name, p in self._policies.items()})

    def _set_defaults(self, defaults: dict[str, frozenset[str]]) -> None:
        self._defaults = defaults
        held = self._granted
        self._granted = _Granted(held.version, held.stored, self._effective(held.stored))

    # --- grants stored at run time ---------------------------------------------------------

    def observe(self, user: Any) -> None:
        """Make the grants current for a check about `user`: free when the user row carried
        the version this process holds (`GRANTS_VERSION_ATTRIBUTE`), one query to read the
        version when it carried none, and a reload of the stored sets when it moved."""
        version = getattr(user, GRANTS_VERSION_ATTRIBUTE, None)
        if isinstance(version, int) and not isinstance(version, bool):
            self.observe_version(version)
        else:
            self.refresh()

    def is_current(self, user: Any) -> bool:
        """Does `user` carry the version this process holds (`observe` would do nothing)?"""
        return getattr(user, GRANTS_VERSION_ATTRIBUTE, None) == self._granted.version

    def observe_version(self, version: int) -> None:
        """Reload the stored sets unless they were read under `version` (0: nothing stored)."""
        if version == self._granted.version:
            return
        with self._reloading:
            if version == self._granted.version:  # another thread reloaded meanwhile
                return
            if version == 0:
                self._hold(0, {})
            else:
                from .store import read_stored

                self._hold(*read_stored())

    def refresh(self) -> None:
        """Current grants for code that has no user row to read the version from (a command,
        a session-authenticated page): one query, and a reload when the version moved."""
        from .store import read_version

        self.observe_version(read_version())

    def forget(self) -> None:
        """Back to the defaults, as if nothing was ever read (the next observation reads again)."""
        with self._reloading:
            self._granted = _Granted(None, {}, self._effective({}))

    def _hold(self, version: int, stored: Mapping[str, Iterable[str]]) -> None:
        """Swap in what was read: unknown roles and policies (gone from the code) left out."""
        grantable = {policy.name for policy in self.matrix()}
        sets = {
            role: frozenset(name for name in names if name in grantable)
            for role, names in stored.items()
            if role in conf.role_names()
        }
        self._granted = _Granted(version, sets, self._effective(sets))

    def _effective(self, stored: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
        effective: dict[str, frozenset[str]] = {}
        for name, roles in self._defaults.items():
            if self._policies[name].builtin or not stored:
                effective[name] = roles
                continue
            kept = {role for role in roles if role not in stored}
            effective[name] = frozenset(kept | {role for role, names in stored.items() if name in names})
        return effective

    # --- reading -----------------------------------------------------------------------

    def get(self, ref: PolicyRef) -> Policy:
        name = policy_name(ref)
        try:
            return self._policies[name]
        except KeyError:
            raise UnknownPolicy(name) from None

    def __contains__(self, ref: PolicyRef) -> bool:
        return policy_name(ref) in self._policies

    def __iter__(self) -> Iterator[Policy]:
        return iter(sorted(self._policies.values(), key=lambda p: p.name))

    def matrix(self) -> list[Policy]:
        """The role-granted policies a deployment publishes (access levels left out)."""
        return [policy for policy in self if not policy.builtin]

    def roles_for(self, ref: PolicyRef) -> list[str]:
        """The roles holding the policy now, in the order of `PERMISSIONS_ROLES`."""
        grants = self._grant(policy_name(ref))
        return [role for role in conf.role_names() if role in grants]

    def default_roles_for(self, ref: PolicyRef) -> list[str]:
        """The roles holding the policy by default (the code's, overrides applied)."""
        self.get(ref)
        defaults = self._defaults[policy_name(ref)]
        return [role for role in conf.role_names() if role in defaults]

    def granted_to(self, role: str | None) -> list[str]:
        grants = self._granted.grants
        return [policy.name for policy in self.matrix() if role in grants[policy.name]]

    def defaults_of(self, role: str) -> list[str]:
        """The policies `role` holds by default, by name."""
        return [policy.name for policy in self.matrix() if role in self._defaults[policy.name]]

    def stored_roles(self) -> frozenset[str]:
        """The roles whose stored set replaces their defaults now."""
        return frozenset(self._granted.stored)

    # --- checking ------------------------------------------------------------------------

    def evaluate(self, user: Any, ref: PolicyRef, obj: Any = _NO_OBJECT) -> Verdict:
        """The one check everything uses (the guard, services, explain): does `user` hold
        the policy and, given an object, pass its object rule? And why."""
        return Verdict(*self._decide(user, ref, obj))

    def allows(self, user: Any, ref: PolicyRef, obj: Any = _NO_OBJECT) -> bool:
        """Does `user` hold the policy (and, given an object, pass its object rule)? The
        verdict's answer, without building the Verdict (a page of tasks asks ~200 times)."""
        return self._decide(user, ref, obj)[0]

    def _decide(
        self, user: Any, ref: PolicyRef, obj: Any
    ) -> tuple[bool, str, str | None, Reason | None, GrantedBy | None, str | None]:
        """`evaluate`'s fields, in its order: (allowed, policy, role, reason, granted_by, rule)."""
        policy = self.get(ref)
        if user is None or not getattr(user, "is_authenticated", False):
            if policy.anonymous:
                return True, policy.name, None, None, "default", None
            return False, policy.name, None, "role", None, None
        role = conf.role_of(user)
        granted_by = self._granted_by(policy.name, role)
        if not getattr(user, "is_active", True):
            return False, policy.name, role, "inactive", granted_by, None
        if granted_by is None:
            return False, policy.name, role, "role", None, None
        if obj is _NO_OBJECT or policy.rule is None:
            return True, policy.name, role, None, granted_by, None
        passed = policy.rule(user, obj)
        return passed, policy.name, role, None if passed else "object", granted_by, policy.rule.name

    def require(self, user: Any, ref: PolicyRef, obj: Any = _NO_OBJECT) -> None:
        """Raise PolicyDenied, with the verdict's reason, unless `allows(user, ref, obj)`."""
        verdict = self.evaluate(user, ref, obj)
        if not verdict.allowed:
            raise verdict.denial()

    def holds(self, ref: PolicyRef) -> Rule:
        """The policy as a Rule, so policies compose: `holds(a) | holds(b)`."""
        name = policy_name(ref)
        return Rule(lambda user, obj: self.allows(user, name, obj), name)

    def visible_q(self, user: Any, *refs: PolicyRef) -> Q | None:
        """The rows `user` may see through any of these policies, or None for no row.

        A held policy without an object rule admits every row; one with a rule admits
        what its rule's `to_q` admits.
        """
        admitted: Q | None = None
        for ref in refs:
            if not self.allows(user, ref):
                continue
            rule = self.get(ref).rule
            q = Q() if rule is None else rule.to_q(user)
            if not q:
                return Q()
            admitted = q if admitted is None else admitted | q
        return admitted

    def _granted_by(self, name: str, role: str | None) -> GrantedBy | None:
        """How `role` holds the policy now: by the code's registered default, by a grant of
        this deployment the code does not make (a settings override, or a set stored at run
        time), or not at all."""
        state = self._granted
        key = (name, role)
        if key not in state.held_by:
            if role is None or role not in state.grants.get(name, frozenset()):
                state.held_by[key] = None
            else:
                state.held_by[key] = "default" if role in self._policies[name].roles else "grant"
        return state.held_by[key]

    def _grant(self, name: str) -> frozenset[str]:
        try:
            return self._granted.grants[name]
        except KeyError:
            raise UnknownPolicy(name) from None


#: The one registry the project uses.
policies = PolicyRegistry()
