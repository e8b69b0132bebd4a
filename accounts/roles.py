"""The one enum of user roles; code says `Role.SELLER`, never "SELLER"."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "ADMIN", "Admin"
    SELLER = "SELLER", "Seller"
    CUSTOMER = "CUSTOMER", "Customer"


#: Roles a visitor may choose at sign-up; ADMIN is only ever granted by another admin.
SELF_SERVICE_ROLES = frozenset({Role.CUSTOMER, Role.SELLER})
