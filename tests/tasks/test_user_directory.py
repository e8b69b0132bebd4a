"""GET /api/users/directory/: the active users someone holding tasks.assign picks an
assignee from (the caller included), searchable by email, first or last name."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import AdminFactory, CustomerFactory, SellerFactory, UserFactory
from tests.assertions import assert_validation_error

URL = "/api/users/directory/"

pytestmark = pytest.mark.django_db


def entry(user: User) -> dict[str, Any]:
    return {"id": user.pk, "email": user.email, "first_name": user.first_name, "last_name": user.last_name}


def directory(client: ApiClient, **params: Any) -> dict[str, Any]:
    response = client.get(f"{URL}?{urlencode(params)}" if params else URL)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def people() -> dict[str, User]:
    """Named people (emails and names chosen so that each search below finds its own)."""
    return {
        "ann": CustomerFactory.create(email="ann@north.example", first_name="Ann", last_name="Lee"),
        "bob": SellerFactory.create(email="bob@south.example", first_name="Robert", last_name="Annaud"),
        "cy": AdminFactory.create(email="cy@north.example", first_name="Cyrus", last_name="Young"),
        "gone": UserFactory.create(email="ann.gone@north.example", first_name="Anne", last_name="Gone", inactive=True),
    }


@pytest.mark.parametrize("who", ["bob", "cy"])
def test_a_seller_or_an_admin_gets_every_active_user_by_email(people: dict[str, User], who: str) -> None:
    body = directory(ApiClient(people[who]))

    assert body == {
        "items": [entry(people["ann"]), entry(people["bob"]), entry(people["cy"])],  # inactive left out
        "count": 3,
    }


def test_the_caller_is_listed_too(seller: User, seller_client: ApiClient) -> None:
    assert directory(seller_client) == {"items": [entry(seller)], "count": 1}


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("ANN", ["ann", "bob"]),  # Ann's first name and email, Robert Annaud's last name
        ("north", ["ann", "cy"]),  # part of the email
        ("@SOUTH.", ["bob"]),
        ("young", ["cy"]),
        ("gone", []),  # only the inactive user's
        ("nobody", []),
        ("", ["ann", "bob", "cy"]),  # an empty search filters nothing
        ("%", []),  # matched literally, not as a wildcard
        ("_", []),
    ],
)
def test_search_is_a_case_insensitive_part_of_email_or_names(
    people: dict[str, User], search: str, found: list[str]
) -> None:
    body = directory(ApiClient(people["bob"]), search=search)

    assert body == {"items": [entry(people[who]) for who in found], "count": len(found)}


def test_pages_are_slices_of_the_whole_order(seller: User, seller_client: ApiClient) -> None:
    others = [CustomerFactory.create(email=f"p{n:02}@example.com") for n in range(5)]
    everyone = sorted([seller, *others], key=lambda user: (user.email, user.pk))  # p00..p04, then seller0...

    first = directory(seller_client, limit=2)
    middle = directory(seller_client, limit=2, offset=2)
    last = directory(seller_client, limit=2, offset=5)

    assert first == {"items": [entry(user) for user in everyone[0:2]], "count": 6}
    assert middle == {"items": [entry(user) for user in everyone[2:4]], "count": 6}
    assert last == {"items": [entry(everyone[5])], "count": 6}


def test_a_customer_is_refused(customer_client: ApiClient, people: dict[str, User]) -> None:
    response = customer_client.get(URL)

    assert response.status_code == 403, response.content
    assert response.json() == {
        "detail": "You do not have permission to perform this action: requires 'tasks.assign'.",
        "code": "permission_denied",
        "policy": "tasks.assign",
        "reason": "role",
    }


def test_without_a_token_it_is_401(anon_client: ApiClient) -> None:
    response = anon_client.get(URL)

    assert response.status_code == 401, response.content
    assert response.json() == {
        "detail": "Authentication credentials were not provided or are invalid.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"limit": 0}, ["query", "limit"]),
        ({"limit": 101}, ["query", "limit"]),
        ({"offset": -1}, ["query", "offset"]),
        ({"search": "x" * 101}, ["query", "search"]),
    ],
)
def test_bad_parameters_are_422(seller_client: ApiClient, params: dict[str, Any], loc: list[str]) -> None:
    response = seller_client.get(f"{URL}?{urlencode(params)}")

    errors = assert_validation_error(response, loc)
    assert [error["loc"] for error in errors] == [loc]


def test_the_directory_is_not_read_as_a_user_id(seller_client: ApiClient, admin_client: ApiClient) -> None:
    """/users/{user_id}/ is mounted beside it: "directory" is no id, and no SELLER holds users.view."""
    seller_answer = seller_client.get(URL)
    admin_answer = admin_client.get(URL)

    assert seller_answer.status_code == admin_answer.status_code == 200
    assert set(seller_answer.json()) == {"items", "count"}
    assert admin_client.get("/api/users/directory2/").status_code == 422  # a user id that is not one


def test_a_page_costs_three_queries_whatever_its_size(
    seller: User, seller_client: ApiClient, django_assert_num_queries: Any
) -> None:
    for size in (1, 30):
        CustomerFactory.create_batch(size)
        with django_assert_num_queries(3):  # the caller, the count, the page
            body = directory(seller_client, limit=100)
        assert len(body["items"]) == body["count"] > size
