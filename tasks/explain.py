"""`GET /api/permissions/explain/`: why a user may or may not act under a policy, on a task.

The verdict is the permission layer's (`policies.evaluate`, what the guard and the services
decide with); this app serves it because it is the one that knows both users and tasks,
which the reusable layer must not import.
"""

from django.http import HttpRequest
from ninja import Query, Router

from accounts.errors import UserNotFound
from accounts.policies import USERS_VIEW
from accounts.selectors import user_get
from api.errors import raises
from permissions.endpoints import requires
from permissions.registry import Verdict
from permissions.schemas import VerdictOut

from . import selectors
from .errors import TaskNotFound, UnknownPolicyName
from .schemas import ExplainQuery

router = Router(tags=["permissions"])


@router.get(
    "/",
    response=VerdictOut,
    operation_id="permissions_explain",
    summary="Would this user be allowed under this policy (on this task), and why",
)
@requires(USERS_VIEW)
@raises(UserNotFound, TaskNotFound, UnknownPolicyName)
def explain(request: HttpRequest, query: Query[ExplainQuery]) -> Verdict:
    """The verdict a request of that user would get: their role as stored now, the task as
    stored (whoever may see it). A refusal names the `policy` and `reason` that user's 403
    would; `granted_by` says how the role holds the policy, `rule` which object rule decided."""
    user = user_get(user_id=query.user_id)
    return selectors.explain(user=user, policy=query.policy, task_id=query.task_id)
