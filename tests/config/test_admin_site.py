"""The project's admin site (config/admin_site.py): a merchant's index shows the first-steps
checklist, each step ticked from the shop's data."""

from tests.factories import make_product


def test_checklist_ticks_follow_the_data(client, shop_a, merchant_a):
    client.force_login(merchant_a)
    page = client.get("/admin/").content.decode()
    assert page.count('class="todo"') == 5
    make_product(shop=shop_a)
    page = client.get("/admin/").content.decode()
    assert (
        page.count('class="todo"') == 2
    )  # product added, priced and on shelf: verification and categories left
