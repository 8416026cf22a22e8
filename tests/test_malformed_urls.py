"""Every URL pattern of the site, walked with malformed parameters as Staff and as a superuser:
non-integer and huge ids, huge numbers, invalid and undeclared lookups, unknown filters. Nothing
answers 5xx: malformed input is 400 or 404 (or a redirect, or the page without the filter).

The patterns come from the URL resolver, so a page added later is walked without editing this
file. An admin changelist also gets each of its own filters with bad values.
"""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import (
    AttendanceFactory,
    CommitmentFactory,
    PositionFactory,
    UpdateFactory,
    UserFactory,
)
from upe_confer.roles import Role, setup_roles

HUGE = "99999999999999999999999"
BAD_VALUES = ["abc", HUGE, "%00"]
# Query strings any page gets: pagination, search, filters it does not know, lookups.
ANY_PAGE_QUERIES = [
    "page=abc",
    f"page={HUGE}",
    "page=-1",
    "q=%00",
    "q=" + "x" * 3000,
    "unit=abc",
    "topic=%00",
    f"year={HUGE}",
    "from=abc&to=" + HUGE,
    "status=nonsense",
    "format=nonsense",
]
ADMIN_LIST_QUERIES = [
    "nosuchfield=1",
    "id__regex=(",
    "pk__regex=[",
    f"pk__gt={HUGE}",
    "o=abc",
    f"o={HUGE}",
    "o=-1.2.x",
    f"p={HUGE}",
    "p=abc",
    "q=%00",
    "_to_field=password",
    "_popup=1&_to_field=id",
    "e=1",
    "all=",
]
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\((?:\?P<\w+>)?[^()]*\)")


def walk(patterns, prefix: str = ""):
    """(route with {name} placeholders, the pattern) for every URL pattern."""
    for pattern in patterns:
        route = str(pattern.pattern)
        if route.startswith("^"):
            route = route[1:].removesuffix("$").replace("\\", "")
            route = REGEX_GROUP.sub("{arg}", route)
        else:
            route = PARAMETER.sub(lambda m: "{" + m.group("name") + "}", route)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield prefix + route, pattern


def routes() -> list[tuple[str, URLPattern]]:
    seen = {}
    for route, pattern in walk(get_resolver().url_patterns):
        seen.setdefault(route, pattern)
    return sorted(seen.items())


ROUTES = routes()


def area(route: str) -> str:
    """What a route belongs to: one admin model (its list, add, change, delete and history
    pages) or one part of the site. A test walks one area, so the record it needs is made once
    for those pages, not once per page."""
    parts = route.split("/")
    return "/".join(part for part in parts[: 3 if parts[0] == "admin" else 2] if "{" not in part)


AREAS: dict[str, list[str]] = {}
for _route, _pattern in ROUTES:
    AREAS.setdefault(area(_route), []).append(_route)


def urls_for(route: str, pattern: URLPattern, good_id: str) -> list[str]:
    """The route with each parameter malformed in turn (the others a real id)."""
    names = re.findall(r"\{(\w+)\}", route)
    if not names:
        return ["/" + route]
    urls = []
    for bad_index, _name in enumerate(names):
        for bad in BAD_VALUES:
            values = [
                quote(bad, safe="%") if i == bad_index else good_id for i in range(len(names))
            ]
            url = route
            for value in values:
                url = re.sub(r"\{\w+\}", value, url, count=1)
            urls.append("/" + url)
    return urls


def changelist_queries(model_admin) -> list[str]:
    queries = list(ADMIN_LIST_QUERIES)
    for item in model_admin.list_filter:
        if isinstance(item, str):
            for suffix in ("exact", "id__exact", "gte", "lt", "isnull", "isempty", "regex"):
                queries += [f"{item}__{suffix}={bad}" for bad in ("abc", HUGE, "%00")]
    if model_admin.date_hierarchy:
        field = model_admin.date_hierarchy
        queries += [
            f"{field}__year={HUGE}",
            f"{field}__year=9999&{field}__month=12",
            f"{field}__year=0",
            f"{field}__year=2024&{field}__month=13",
            f"{field}__year=2024&{field}__month=2&{field}__day=30",
            f"{field}__year=abc",
        ]
    return queries


@pytest.fixture
def clients(db):
    groups = setup_roles()
    # One of everything, so that each page has a real object beside the malformed ids.
    commitment = CommitmentFactory(owner=UserFactory(username="owner", is_staff=True))
    PositionFactory(agenda_item=commitment.agenda_item)
    AttendanceFactory(session=commitment.agenda_item.session)
    UpdateFactory(slug="a-published-update", session=commitment.agenda_item.session)
    staff = UserFactory(username="walker-staff", is_staff=True)
    staff.groups.add(groups[Role.STAFF])
    superuser = UserFactory(username="walker-root", is_staff=True, is_superuser=True)
    result = []
    for user in (staff, superuser):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        result.append(client)
    return result


def good_id_for(pattern: URLPattern) -> str:
    model_admin = getattr(pattern.callback, "model_admin", None)
    if model_admin is not None:
        first = model_admin.model._default_manager.order_by("pk").values_list("pk", flat=True)
        return str(first.first() or 1)
    return "1"


def malformed_requests(route: str, pattern: URLPattern, clients) -> list[tuple[Client, str]]:
    urls = urls_for(route, pattern, good_id_for(pattern))
    model_admin = getattr(pattern.callback, "model_admin", None)
    queries = list(ANY_PAGE_QUERIES)
    if model_admin is not None and pattern.name and pattern.name.endswith("_changelist"):
        queries += changelist_queries(model_admin)
    staff, superuser = clients
    # The superuser opens every admin page; Staff's own pages are the site's (and reports).
    return [
        (client, f"{url}?{query}" if query else url)
        for client in ([superuser] if model_admin is not None else clients)
        for url in urls
        for query in (["", *queries] if "{" not in route else [""])
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("area", list(AREAS))
def test_no_url_answers_5xx_to_malformed_input(clients, area):
    patterns = dict(ROUTES)
    failures = []
    for route in AREAS[area]:
        for client, url in malformed_requests(route, patterns[route], clients):
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {url}")
    assert not failures, "\n".join(failures)
