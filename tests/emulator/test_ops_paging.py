"""The paging rule every list operation shares (operations.common.paginate), checked as a
property: however items are added and removed between pages, a walk returns every item that
was there throughout exactly once, in order, and nothing twice."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.emulator.errors import BadRequestException, InvalidNextTokenException
from reconciler.emulator.operations.common import paginate

names = st.text(alphabet="abcdefghij0123456789-_", min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    initial=st.sets(names, max_size=40),
    page_size=st.integers(min_value=1, max_value=7),
    changes=st.lists(st.tuples(st.booleans(), names), max_size=30),
)
def test_walk_survives_changes_between_pages(initial, page_size, changes):
    items = set(initial)
    seen: list[str] = []
    removed: set[str] = set()
    token = None
    pending = list(changes)
    for _ in range(100):
        page, token = paginate(items, {"PageSize": page_size, "NextToken": token}, default=10)
        assert len(page) <= page_size
        seen += page
        if token is None:
            break
        if pending:  # mutate between pages
            add, name = pending.pop(0)
            if add:
                items.add(name)
            else:
                items.discard(name)
                removed.add(name)
    assert token is None
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert set(initial) - removed <= set(seen)


@pytest.mark.parametrize(
    ("params", "bounds"),
    [({"PageSize": 0}, (1, 100)), ({"PageSize": 101}, (1, 100)), ({"PageSize": 1001}, (0, 1000))],
)
def test_page_size_bounds(params, bounds):
    with pytest.raises(BadRequestException):
        paginate(["a"], params, default=10, low=bounds[0], high=bounds[1])


def test_zero_means_default_where_zero_is_allowed():
    page, token = paginate([str(i) for i in range(150)], {"PageSize": 0}, default=100, low=0, high=1000)
    assert len(page) == 100 and token is not None


@pytest.mark.parametrize("token", ["%%%", "dGhpcyBpcyBub3Q=", ""])
def test_foreign_tokens_are_refused(token):
    if token == "":  # an empty token means "from the start"
        assert paginate(["a"], {"NextToken": token}, default=10) == (["a"], None)
        return
    with pytest.raises(InvalidNextTokenException):
        paginate(["a"], {"NextToken": token}, default=10, token_error=InvalidNextTokenException)
