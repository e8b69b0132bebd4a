"""Rates and the errors a throttled caller gets; what is counted is the app's business, and
`throttle_store` counts it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .exceptions import DomainError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'10/m', '100/h', '5/10s' (five per ten seconds)."""
        match = _RATE.match(text.lower())
        if not match:
            raise ValueError(f"Rate {text!r} is not like '10/m'.")
        limit, multiplier, unit = match.groups()
        return cls(int(limit), int(multiplier or 1) * _UNITS[unit])


class Throttled(Exception):
    """Too many attempts in the current window; the caller may try again after `wait_seconds`."""

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(f"Too many attempts. Try again in {wait_seconds} seconds.")


class ThrottleStoreUnavailable(DomainError):
    """Redis (REDIS_URL), where the throttle counts live, did not answer: no attempt goes uncounted."""

    default_message = "The service is temporarily unavailable."
