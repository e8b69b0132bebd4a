"""The API's JSON renderer: Ninja's, with the commonest values encoded first.

Ninja's encoder tries pydantic models, URLs, IP addresses and enums before it reaches
Django's encoder for dates and times, which are nearly every value `default()` sees
(three per task). Testing those first gives byte-identical output with a fraction of the
isinstance checks: a page of 20 tasks renders ~40 us faster (docs/performance.md).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

_DATES_AND_TIMES = (datetime.datetime, datetime.date, datetime.time)


class ApiJSONEncoder(NinjaJSONEncoder):
    def default(self, o: Any) -> Any:
        if type(o) in _DATES_AND_TIMES:  # exact types: a subclass takes Ninja's full path
            return DjangoJSONEncoder.default(self, o)
        return super().default(o)


class ApiJSONRenderer(JSONRenderer):
    encoder_class = ApiJSONEncoder
