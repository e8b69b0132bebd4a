"""The NinjaAPI every router of this service is mounted on: Ninja's, with client-facing 422 locations."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.errors import ValidationError, ValidationErrorContext
from ninja.params.models import ParamModel


class BaseAPI(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[ParamModel]]
    ) -> ValidationError:
        """Name the client's field in `loc` (`["body", "title"]`), not the Python parameter that
        received the body (`["body", "payload", "title"]`): a client never sees that name."""
        error = super().validation_error_from_error_contexts(error_contexts)
        wrappers = {name for context in error_contexts for name in _single_body_parameter(context)}
        for item in error.errors:
            loc = tuple(item["loc"])
            if len(loc) >= 2 and loc[0] == "body" and loc[1] in wrappers:
                item["loc"] = (loc[0], *loc[2:])
        return error


def _single_body_parameter(context: ValidationErrorContext[ParamModel]) -> list[str]:
    """The one parameter a request body was parsed into (Ninja nests the body under it)."""
    fields = list(context.model.model_fields)
    return fields if len(fields) == 1 else []
