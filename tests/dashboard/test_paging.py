"""A history list on a dashboard page a bounded page at a time, newest first (ltsdk.dashboard.pages):
its offset and size from the request, and a parameter out of range refused with its reason."""

import pytest

from ltsdk.cli import CliError
from ltsdk.dashboard import pages

ROWS = list(range(60))  # oldest first, as the index lists them


def test_page_of__no_parameters__the_newest_page_size_rows_with_a_link_to_older():
    page = pages.page_of(ROWS, {}, "rebalances")

    assert page.rows == list(range(59, 59 - pages.PAGE_SIZE, -1))
    assert (page.offset, page.limit, page.total) == (0, pages.PAGE_SIZE, 60)
    assert (page.newer, page.older) == (None, pages.PAGE_SIZE)


def test_page_of__offset_and_limit__that_slice_and_links_both_ways():
    page = pages.page_of(ROWS, {"rebalances_offset": "20", "rebalances_limit": "15"}, "rebalances")

    assert page.rows == list(range(39, 24, -1))
    assert (page.newer, page.older) == (5, 35)


def test_page_of__last_page_and_past_the_end__no_older_link_and_an_empty_page():
    last = pages.page_of(ROWS, {"splits_offset": "50", "splits_limit": "10"}, "splits")
    past = pages.page_of(ROWS, {"splits_offset": "1000"}, "splits")

    assert last.rows == list(range(9, -1, -1)) and last.older is None
    assert past.rows == [] and past.older is None and past.newer == 1000 - pages.PAGE_SIZE


def test_page_of__another_lists_parameters__ignored():
    assert pages.page_of(ROWS, {"splits_offset": "5"}, "rebalances").offset == 0


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("rebalances_offset", "-1"),
        ("rebalances_offset", "abc"),
        ("rebalances_offset", "1.5"),
        ("rebalances_offset", "1e3"),
        ("rebalances_offset", ""),
        ("rebalances_offset", "\N{SUPERSCRIPT TWO}"),  # a digit to str.isdigit, not to int()
        ("rebalances_offset", "9" * 5_000),  # past int()'s 4,300-digit limit
        ("rebalances_offset", str(pages.MAX_OFFSET + 1)),
        ("rebalances_limit", "0"),
        ("rebalances_limit", str(pages.MAX_PAGE_SIZE + 1)),
        ("rebalances_limit", "+5"),
    ],
)
def test_page_of__parameter_not_a_whole_number_in_range__refused_with_its_name_and_bounds(key, text):
    with pytest.raises(CliError, match=f"{key} must be a whole number from "):
        pages.page_of(ROWS, {key: text}, "rebalances")


def test_page_of__largest_page__allowed():
    assert len(pages.page_of(ROWS * 4, {"rebalances_limit": str(pages.MAX_PAGE_SIZE)}, "rebalances").rows) == 200
