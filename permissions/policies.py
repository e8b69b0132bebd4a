"""Access levels every endpoint can name, and the permission layer's own policies."""

from . import conf
from .registry import EVERY_ROLE, policies

PUBLIC = policies.register("access.public", "Anyone, signed in or not.", EVERY_ROLE, builtin=True, anonymous=True)
AUTHENTICATED = policies.register(
    "access.authenticated", "Any signed-in user, whatever the role.", EVERY_ROLE, builtin=True
)
PERMISSIONS_VIEW = policies.register("permissions.view", "Read the policy matrix of this deployment.", EVERY_ROLE)
PERMISSIONS_MANAGE = policies.register(
    "permissions.manage", "Change which roles hold which policies, and read the changes.", conf.manage_roles()
)
