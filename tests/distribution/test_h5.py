"""推广中心 (H5): becoming a promoter, the link, balances, withdrawing and cancelling, the
promoter's own masked customers and ledger; the 个人中心 entry."""

from __future__ import annotations

from distribution.models import DistributionSettings, Promoter, Withdrawal
from tests.distribution.helpers import buyer, enable, make_promoter, pay, place, via
from tests.distribution.test_withdrawals import earn
from tests.factories import ShopperFactory

URL = "/s/shop-a/promoter/"
WHO = DistributionSettings.WhoMayPromote


def page(client, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_visitor_is_asked_to_log_in(client, shop_a):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_distribution_off_says_so_and_refuses_to_apply(client, shop_a, shopper):
    client.force_login(shopper)
    assert "本店暂未开启分销" in page(client)
    client.post(URL, {"action": "apply"})
    assert not Promoter.objects.exists()
    assert "本店暂未开启分销" in page(client)


def test_anyone_becomes_a_promoter_at_once_and_gets_their_link(client, shop_a, shopper):
    enable(shop_a)
    client.force_login(shopper)
    html = page(client)
    assert "成为推广员" in html and "商品实付金额的 10%" in html
    client.post(URL, {"action": "apply"})
    promoter = Promoter.objects.get(user=shopper)
    assert promoter.status == Promoter.Status.APPROVED
    html = page(client)
    assert "你已成为本店推广员" in html and "我的推广链接" in html
    assert "http://testserver/s/shop-a/?ref=" in html and "复制" in html


def test_approved_promoters_only_waits_for_the_merchant(client, shop_a, shopper):
    enable(shop_a, who_may_promote=WHO.APPROVED)
    client.force_login(shopper)
    assert "申请成为推广员" in page(client)
    client.post(URL, {"action": "apply"})
    assert Promoter.objects.get(user=shopper).status == Promoter.Status.PENDING
    html = page(client)
    assert "请等待商家审核" in html and "我的推广链接" not in html


def test_buyers_only_need_a_paid_order(client, shop_a, shopper):
    enable(shop_a, who_may_promote=WHO.BUYERS)
    client.force_login(shopper)
    client.post(URL, {"action": "apply"})
    assert not Promoter.objects.exists()
    assert "付款下单后即可成为推广员" in page(client)
    pay(place(shop_a, shopper))
    client.post(URL, {"action": "apply"})
    assert Promoter.objects.get(user=shopper).is_approved


def test_balances_withdraw_and_cancel(client, shop_a):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    earn(shop_a, promoter)  # ¥100 settled
    pay(place(shop_a, buyer("p"), attribution=via(promoter), price_fen=5000))  # ¥5 pending
    client.force_login(promoter.user)
    html = page(client)
    assert '<b id="balance">¥100</b>' in html and '<dd id="pending">¥5</dd>' in html
    client.post(URL, {"action": "withdraw", "amount": "5"})  # below ¥10
    assert not Withdrawal.objects.exists()
    assert "最低提现 ¥10" in page(client)
    client.post(URL, {"action": "withdraw", "amount": "１２"})  # not ASCII digits
    client.post(URL, {"action": "withdraw", "amount": "30.50"})
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.amount_fen == 3050
    html = page(client)
    assert '<b id="balance">¥69.50</b>' in html and "待审核" in html
    client.post(URL, {"action": "cancel", "withdrawal_id": str(withdrawal.pk)})
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.CANCELLED
    assert '<b id="balance">¥100</b>' in page(client)


def test_another_promoters_withdrawal_cannot_be_cancelled(client, shop_a):
    enable(shop_a)
    mine, theirs = make_promoter(shop_a, "mine"), make_promoter(shop_a, "theirs")
    earn(shop_a, theirs)
    from distribution import services

    withdrawal = services.withdrawal_request(shop=shop_a, user=theirs.user, amount_fen=2000)
    client.force_login(mine.user)
    for action in ("cancel", "check"):
        client.post(URL, {"action": action, "withdrawal_id": str(withdrawal.pk)})
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.REQUESTED


def test_a_promoter_sees_only_their_own_customers_masked(client, shop_a):
    enable(shop_a)
    mine, theirs = make_promoter(shop_a, "mine"), make_promoter(shop_a, "theirs")
    pay(place(shop_a, ShopperFactory(username="c1", nickname="张三丰"), attribution=via(mine)))
    pay(place(shop_a, ShopperFactory(username="c2", nickname="李四"), attribution=via(theirs)))
    client.force_login(mine.user)
    for url in (URL, f"{URL}customers/"):
        html = page(client, url)
        assert "张**" in html and "张三丰" not in html
        assert "李" not in html
    assert "1 单 · ¥10" in page(client, f"{URL}customers/")


def test_the_ledger_page_lists_entries_and_pages(client, shop_a):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    for i in range(22):
        pay(place(shop_a, buyer(f"l{i}"), attribution=via(promoter), price_fen=1000))
    client.force_login(promoter.user)
    html = page(client, f"{URL}ledger/")
    assert html.count("佣金（待结算）") == 20 and "下一页" in html
    assert page(client, f"{URL}ledger/?page=2").count("佣金（待结算）") == 2
    for bad in ("3", "0", "x", "２"):
        assert client.get(f"{URL}ledger/?page={bad}").status_code == 404


def test_lists_are_for_approved_promoters_only(client, shop_a, shopper):
    enable(shop_a)
    client.force_login(shopper)
    for url in (f"{URL}ledger/", f"{URL}customers/"):
        assert client.get(url).status_code == 404


def test_the_member_centre_links_to_the_promoter_centre(client, shop_a, shopper):
    client.force_login(shopper)
    assert "推广中心" not in page(client, "/s/shop-a/me/")
    enable(shop_a)
    assert "/s/shop-a/promoter/" in page(client, "/s/shop-a/me/")


def test_the_centre_runs_a_fixed_number_of_queries_whatever_the_numbers(client, shop_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    enable(shop_a)
    promoter = make_promoter(shop_a)
    client.force_login(promoter.user)
    page(client)  # the shop lookup's cache is warm
    counts = []
    for batch in (1, 6):
        for i in range(batch):
            pay(place(shop_a, buyer(f"q{batch}-{i}"), attribution=via(promoter)))
        with CaptureQueriesContext(connection) as queries:
            page(client)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_poster_is_a_png_of_the_promoters_own_link(client, shop_a, shopper):
    import io

    from PIL import Image

    from distribution.posters import promoter_poster_png
    from distribution.selectors import promoter_link

    enable(shop_a)
    promoter = make_promoter(shop_a)
    client.force_login(promoter.user)
    assert "/s/shop-a/promoter/poster.png" in page(client)
    response = client.get(f"{URL}poster.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (750, 1334)
    link = "http://testserver" + promoter_link(shop=shop_a, promoter=promoter).path
    assert response.content == promoter_poster_png(
        shop=shop_a, promoter=promoter, link=link
    )  # its QR: that link
    client.force_login(shopper)  # not a promoter
    assert client.get(f"{URL}poster.png").status_code == 404
