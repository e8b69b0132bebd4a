"""Password hashing parameters, chosen on purpose."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's minimum: 19 MiB of memory, 2 passes, 1 lane.

    Django's default (100 MiB, 8 lanes) buys little on a 2-core server and makes every
    login several times dearer. Hashes made with other parameters are upgraded on login.
    """

    algorithm = "argon2"  # same prefix as Django's: existing hashes stay readable
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
