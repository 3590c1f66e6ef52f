"""A map's page data, analysis, export and lists ask the database the same number of questions however many
elements, connections, evidence, findings and comments the map holds."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from systemmap import services
from tests.api.conftest import API
from tests.systemmap import builders as b

pytestmark = pytest.mark.django_db


def grow(world, map_, size: int) -> None:
    """`size` elements in a ring, each with a quote, a small count, a comment; a finding per ten elements."""
    elements = [b.element(world, map_, f"Element {n}", tags=["a", "b"]) for n in range(size)]
    for n, element in enumerate(elements):
        b.connect(world, map_, element, elements[(n + 1) % size], polarity="-" if n % 3 == 0 else "+")
        b.quote(world, map_, element=element, sensitive=n % 4 == 0)
        b.data_point(world, map_, element=element, count=n)
        services.comment_create(actor=world.people["member"], map=map_, body="A comment", element=element)
        if n % 10 == 0:
            b.finding(world, map_, f"Finding {n}", elements=elements[max(0, n - 3) : n + 1])
    services.version_create(actor=world.people["facilitator"], map=map_, label=f"{size} elements")


def queries(client, url: str) -> list[str]:
    cache.clear()  # the analysis is cached per map version: count the work, not the cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return [query["sql"][:120] for query in captured.captured_queries]


@pytest.mark.parametrize(
    "path",
    [
        "maps/{map}/data/",
        "maps/{map}/analysis/",
        "maps/{map}/export/?format=json",
        "maps/{map}/export/?format=xlsx",
        "maps/?collaborative={collaborative}",
        "map-elements/?map={map}&page_size=500",
        "map-connections/?map={map}&page_size=500",
        "evidence/?map={map}&page_size=500",
        "findings/?map={map}&page_size=500",
        "map-comments/?map={map}&page_size=500",
        "map-versions/?map={map}",
    ],
)
def test_queries_do_not_grow_with_the_map(world, api, path):
    small, large = b.a_map(world), b.a_map(world)
    grow(world, small, 3)
    grow(world, large, 30)
    for who in ("member", "facilitator"):  # who sees evidence in full and who sees stubs: the same queries
        client = api(who)
        urls = [API + "/" + path.format(map=map_.pk, collaborative=world.ours.pk) for map_ in (small, large)]
        small_map, large_map = (queries(client, url) for url in urls)
        assert len(small_map) == len(large_map), f"{path} as {who}:\n" + "\n".join(large_map)
        assert len(small_map) <= 14, f"{path} as {who}: {len(small_map)} queries"
