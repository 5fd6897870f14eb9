import pytest


@pytest.fixture(autouse=True)
def _forget_shop_ids():
    """The middleware remembers a shop handle's id for a minute per process; test shops are made
    anew (with new ids on PostgreSQL) under the same handles."""
    from analytics import middleware

    middleware._shop_ids.clear()
    yield
    middleware._shop_ids.clear()
