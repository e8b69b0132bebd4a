from permissions.registry import EVERY_ROLE, policies

from .roles import Role

NOTES_READ = policies.register("notes.read", "Read notes.", EVERY_ROLE)
NOTES_WRITE = policies.register("notes.write", "Write notes.", [Role.EDITOR])
