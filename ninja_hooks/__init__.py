"""django-ninja plumbing that Ninja itself lacks, under every other package of the project.

- `adapter`: a hook on every operation once its routers are bound (`on_bind`), typed
  exception handlers, an operation's input sources, and `verify()`, the start-up probe
  that refuses to start on a django-ninja that no longer behaves as they need. It is the
  one module that relies on django-ninja beyond its documented API.
- `openapi`: error answers merged into an operation's OpenAPI entry, one status each with
  every `code` it can carry.

It imports Django, Ninja and asgiref only: the toolkit (`api/`) and the permission layer
(`permissions/`) both build on it, and neither on the other.
"""
