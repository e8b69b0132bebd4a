"""Response schemas shared by every router: the error shapes of the contract."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    detail: str


class ValidationErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str
    ctx: dict[str, Any] | None = None


class ValidationErrorOut(Schema):
    detail: list[ValidationErrorItem]


class EmptyOut(Schema):
    pass


def error_responses(*codes: int) -> dict[int, type[Schema]]:
    """`response=` entries documenting the error answers an operation can give."""
    return {code: ValidationErrorOut if code == 422 else ErrorOut for code in codes}
