"""factory-boy factories for every model, for Nexora's suite and for integration suites.

Every user gets the known password `PASSWORD`, hashed once per process with the real
(Argon2id) hasher, so factories stay fast and logins in tests are real.
"""

from __future__ import annotations

from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from accounts.models import RoleChange, User
from accounts.roles import Role
from tasks.models import Task

#: The password of every user a factory makes.
PASSWORD = "Nexora-test-Passw0rd!"


@cache
def password_hash() -> str:
    return make_password(PASSWORD)


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = factory.Faker("numerify", text="+1 ###-###-####")
    address = factory.Faker("address")
    role = Role.CUSTOMER
    is_active = True
    password = factory.LazyFunction(password_hash)

    class Params:
        admin = factory.Trait(role=Role.ADMIN, email=factory.Sequence(lambda n: f"admin{n}@example.com"))
        seller = factory.Trait(role=Role.SELLER, email=factory.Sequence(lambda n: f"seller{n}@example.com"))
        customer = factory.Trait(role=Role.CUSTOMER, email=factory.Sequence(lambda n: f"customer{n}@example.com"))
        inactive = factory.Trait(is_active=False)
        staff = factory.Trait(is_staff=True, is_superuser=True)


class AdminFactory(UserFactory):
    admin = True


class SellerFactory(UserFactory):
    seller = True


class CustomerFactory(UserFactory):
    customer = True


class TaskFactory(DjangoModelFactory[Task]):
    class Meta:
        model = Task

    title = factory.Faker("sentence", nb_words=5)
    description = factory.Faker("paragraph")
    status = Task.Status.TODO
    due_date = factory.Faker("date_between", start_date="-30d", end_date="+60d")
    owner = factory.SubFactory(CustomerFactory)
    assignee = None


class RoleChangeFactory(DjangoModelFactory[RoleChange]):
    class Meta:
        model = RoleChange

    user = factory.SubFactory(CustomerFactory)
    actor = factory.SubFactory(AdminFactory)
    old_role = Role.CUSTOMER
    new_role = Role.SELLER
