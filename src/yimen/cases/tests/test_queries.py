"""Submission stays a fixed number of queries, however large the item or the registry is."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from yimen.cases.tests.factories import submit_elder


def test_submission_query_count_is_bounded(world):
    submit_elder(world)  # warm-up: content types, first ledger head
    with CaptureQueriesContext(connection) as ctx:
        submit_elder(world)
    assert len(ctx.captured_queries) <= 40, len(ctx.captured_queries)
