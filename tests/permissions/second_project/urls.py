from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI, Router, Schema
from ninja.security import APIKeyHeader

from permissions import ninja as permission_layer
from permissions.api import router as permissions_router
from permissions.endpoints import requires

from .notes.models import Member, Note
from .notes.policies import NOTES_READ, NOTES_WRITE


class ApiKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Member | None:
        return Member.objects.filter(api_key=key).first()


class NoteIn(Schema):
    text: str


router = Router()


@router.get("/notes/")
@requires(NOTES_READ)
def list_notes(request: HttpRequest) -> list[str]:
    return list(Note.objects.values_list("text", flat=True))


@router.post("/notes/")
@requires(NOTES_WRITE)
async def add_note(request: HttpRequest, payload: NoteIn) -> dict[str, str]:
    await Note.objects.acreate(text=payload.text)
    return {"text": payload.text}


api = NinjaAPI(auth=ApiKey(), urls_namespace="second")
permission_layer.install(api)  # the one line that guards every operation
api.add_router("", router)
api.add_router("", permissions_router)

urlpatterns = [path("api/", api.urls)]
