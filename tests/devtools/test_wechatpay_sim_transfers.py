"""The simulator speaks WeChat Pay's transfer-bills API as WeChat does: signed requests only, one
bill per out_bill_no (the same answer for a repeat), WeChat's amount limits and field rules, query,
cancel, and answers signed with its platform key."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.hashes import SHA1
from wechatpayv3.utils import build_authorization

from devtools.wechatpay_sim import keys as simulator
from devtools.wechatpay_sim import transfers as sim_transfers
from devtools.wechatpay_sim.models import SimulatedTransfer
from payments.wechat import crypto
from tests.devtools import hooks
from tests.payments.conftest import APIV3_KEY

pytestmark = pytest.mark.django_db
PATH = "/v3/fund-app/mch-transfer/transfer-bills"


def signed(client, config, method: str, path: str, body: dict | None = None, *, key=None, headers=None):
    """A request signed as wechatpayv3 signs it (``key``: sign with another merchant key)."""
    text = json.dumps(body) if body is not None else ""
    private = key or crypto.load_private_key(config.merchant_private_key)
    auth = build_authorization(path, method, config.mchid, config.merchant_serial_no, private, data=text)
    extra = {"HTTP_AUTHORIZATION": auth, **(headers or {})}
    if method == "GET":
        return client.get("/wechatpay-sim" + path, **extra)
    return client.post("/wechatpay-sim" + path, text, content_type="application/json", **extra)


def verified(response) -> dict:
    """The answer's body, after checking the platform's signature as our client does."""
    key = crypto.load_public_key(simulator.platform_settings()["platform_public_key"])
    message = crypto.callback_message(
        response["Wechatpay-Timestamp"], response["Wechatpay-Nonce"], response.content
    )
    assert crypto.verify(key, message, response["Wechatpay-Signature"])
    return response.json() if response.content else {}


def bill_body(config, **overrides) -> dict:
    body = {
        "appid": config.appid, "out_bill_no": "T2026120100000001", "transfer_scene_id": "1005",
        "openid": "o-promoter", "transfer_amount": 1000, "transfer_remark": "推广佣金提现",
        "notify_url": "http://127.0.0.1:9/payments/wechat/notify/shop-a/",
        "transfer_scene_report_infos": [
            {"info_type": "岗位类型", "info_content": "推广员"}, {"info_type": "报酬说明", "info_content": "推广佣金"},
        ],
    }  # fmt: skip
    body.update(overrides)
    return body


def test_a_new_bill_waits_for_its_payee_and_a_repeat_gets_the_same_answer(client, pay_config):
    first = signed(client, pay_config, "POST", PATH, bill_body(pay_config))
    assert first.status_code == 200
    answer = verified(first)
    assert answer["state"] == "WAIT_USER_CONFIRM" and answer["package_info"]
    assert answer["out_bill_no"] == "T2026120100000001" and len(answer["transfer_bill_no"]) == 40
    again = verified(signed(client, pay_config, "POST", PATH, bill_body(pay_config)))
    assert again == answer and SimulatedTransfer.objects.count() == 1
    other = signed(client, pay_config, "POST", PATH, bill_body(pay_config, transfer_amount=2000))
    assert other.status_code == 400 and verified(other)["code"] == "INVALID_REQUEST"
    assert SimulatedTransfer.objects.get().amount_fen == 1000


def test_unsigned_or_wrongly_signed_requests_are_refused(client, pay_config):
    body = json.dumps(bill_body(pay_config))
    unsigned = client.post("/wechatpay-sim" + PATH, body, content_type="application/json")
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "SIGN_ERROR"
    forged = signed(client, pay_config, "POST", PATH, bill_body(pay_config), key=crypto.new_private_key())
    assert forged.status_code == 401 and not SimulatedTransfer.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"transfer_amount": 9}, "PARAM_ERROR"),  # under ¥0.10
        ({"transfer_amount": "1000"}, "PARAM_ERROR"),
        ({"transfer_amount": 200_000}, "PARAM_ERROR"),  # ¥2,000 without the payee's real name
        ({"transfer_amount": 200_000, "user_name": "张三"}, "PARAM_ERROR"),  # not encrypted
        ({"transfer_remark": ""}, "PARAM_ERROR"),
        ({"transfer_remark": "字" * 33}, "PARAM_ERROR"),
        ({"out_bill_no": "T-2026-01"}, "PARAM_ERROR"),  # letters and digits only
        ({"out_bill_no": "T" * 33}, "PARAM_ERROR"),
        ({"appid": "wx-of-someone-else"}, "PARAM_ERROR"),
        ({"openid": ""}, "PARAM_ERROR"),
        ({"transfer_scene_report_infos": []}, "PARAM_ERROR"),  # the scene's report is required
        ({"transfer_scene_id": "1001"}, "INVALID_REQUEST"),  # a scene the merchant does not hold
        ({"notify_url": "ftp://example.com/"}, "PARAM_ERROR"),
    ],
)
def test_what_wechat_refuses(client, pay_config, overrides, code):
    response = signed(client, pay_config, "POST", PATH, bill_body(pay_config, **overrides))
    assert response.status_code == 400 and verified(response)["code"] == code
    assert not SimulatedTransfer.objects.exists()


def encrypted_name(name: str) -> str:
    """The payee's real name as wechatpayv3 sends it: RSA-OAEP (SHA-1, WeChat's choice) with the platform key."""
    key = crypto.load_public_key(simulator.platform_settings()["platform_public_key"])
    oaep = OAEP(mgf=MGF1(SHA1()), algorithm=SHA1(), label=None)  # noqa: S303
    return base64.b64encode(key.encrypt(name.encode(), oaep)).decode()


def test_a_large_transfer_with_the_encrypted_name(client, pay_config):
    body = bill_body(pay_config, transfer_amount=200_000, user_name=encrypted_name("张三"))
    without_serial = signed(client, pay_config, "POST", PATH, body)
    assert without_serial.status_code == 400  # which platform key encrypted it must be said
    ok = signed(
        client, pay_config, "POST", PATH, body, headers={"HTTP_WECHATPAY_SERIAL": simulator.SIMULATOR_KEY_ID}
    )
    assert ok.status_code == 200 and SimulatedTransfer.objects.get().has_user_name


def test_at_most_twenty_thousand_yuan_a_day_to_one_payee(client, pay_config):
    def send(no: str, fen: int, openid: str = "o-promoter"):
        body = bill_body(pay_config, out_bill_no=no, transfer_amount=fen, openid=openid, notify_url=None)
        return signed(client, pay_config, "POST", PATH, body)

    for n in range(10):
        assert send(f"T{n}", 199_999).status_code == 200  # ¥1,999.99 each, ¥19,999.90 in all
    over = send("T10", 11)
    assert over.status_code == 400 and verified(over)["code"] == "INVALID_REQUEST"
    assert send("T11", 10).status_code == 200  # exactly ¥20,000
    assert send("T12", 10, openid="o-another").status_code == 200


def test_the_operating_account_must_hold_the_money(client, pay_config):
    hooks.set_operating_balance(pay_config.mchid, 999)
    short = signed(client, pay_config, "POST", PATH, bill_body(pay_config))
    assert short.status_code == 400 and verified(short)["code"] == "NOT_ENOUGH"
    hooks.set_operating_balance(pay_config.mchid, 1000)
    assert signed(client, pay_config, "POST", PATH, bill_body(pay_config)).status_code == 200
    assert hooks.operating_balance(pay_config.mchid) == 0


def test_query_and_cancel(client, pay_config):
    unknown = signed(client, pay_config, "GET", f"{PATH}/out-bill-no/T404")
    assert unknown.status_code == 404 and verified(unknown)["code"] == "NOT_FOUND"
    verified(signed(client, pay_config, "POST", PATH, bill_body(pay_config, notify_url=None)))
    query = verified(signed(client, pay_config, "GET", f"{PATH}/out-bill-no/T2026120100000001"))
    assert query["state"] == "WAIT_USER_CONFIRM" and query["mch_id"] == pay_config.mchid
    assert (
        query["transfer_amount"] == 1000 and query["openid"] == "o-promoter" and "package_info" not in query
    )
    cancel = verified(signed(client, pay_config, "POST", f"{PATH}/out-bill-no/T2026120100000001/cancel"))
    assert cancel["state"] == "CANCELING"
    assert (
        verified(signed(client, pay_config, "GET", f"{PATH}/out-bill-no/T2026120100000001"))["state"]
        == "CANCELLED"
    )
    again = signed(client, pay_config, "POST", f"{PATH}/out-bill-no/T2026120100000001/cancel")
    assert again.status_code == 400 and verified(again)["code"] == "INVALID_REQUEST"


def test_a_confirmed_bill_cannot_be_cancelled(client, pay_config):
    verified(signed(client, pay_config, "POST", PATH, bill_body(pay_config, notify_url=None)))
    hooks.confirm_transfer("T2026120100000001")
    assert SimulatedTransfer.objects.get().state == "SUCCESS"
    refused = signed(client, pay_config, "POST", f"{PATH}/out-bill-no/T2026120100000001/cancel")
    assert refused.status_code == 400


def test_an_unconfirmed_bill_is_cancelled_after_a_day(client, pay_config):
    verified(signed(client, pay_config, "POST", PATH, bill_body(pay_config, notify_url=None)))
    hooks.age_transfer_bill("T2026120100000001", hours=sim_transfers.CONFIRM_HOURS + 1)
    query = verified(signed(client, pay_config, "GET", f"{PATH}/out-bill-no/T2026120100000001"))
    assert query["state"] == "CANCELLED"


def test_the_notification_is_encrypted_as_wechat_encrypts_it(pay_config):
    from payments.wechat.notify import verify_notification

    resource = {"mchid": pay_config.mchid, "out_bill_no": "T1", "state": "SUCCESS"}
    headers, body = simulator.notification(pay_config, resource, event_type="MCHTRANSFER.BILL.FINISHED")
    envelope = json.loads(body)
    assert envelope["resource"]["original_type"] == "mch_payment"
    assert envelope["resource"]["associated_data"] == "mch_payment"
    note = verify_notification(
        headers=headers, body=body, platform_keys=pay_config.platform_keys(), apiv3_key=APIV3_KEY
    )
    assert note.event_type == "MCHTRANSFER.BILL.FINISHED" and note.resource == resource


def test_the_payee_page_and_the_bridge(client, pay_config):
    assert client.get("/wechatpay-sim/transfer/", {"package": "nothing"}).status_code == 404
    script = client.get("/wechatpay-sim/bridge.js").content.decode()
    assert "requestMerchantTransfer" in script and "/transfer/?package=" in script
    verified(signed(client, pay_config, "POST", PATH, bill_body(pay_config, notify_url=None)))
    package = SimulatedTransfer.objects.get().package_info
    page = client.get("/wechatpay-sim/transfer/", {"package": package, "back": "https://evil.example/"})
    body = page.content.decode()
    assert page.status_code == 200 and "甲店" in body and "¥10" in body and "evil.example" not in body
    url = "/wechatpay-sim/transfer/?" + urlencode({"package": package, "back": "/s/shop-a/"})
    later = client.post(url, {"action": "later"})
    assert later.status_code == 302 and later.url == "/s/shop-a/"
    assert SimulatedTransfer.objects.get().state == "WAIT_USER_CONFIRM"
    client.post(url, {"action": "confirm"})
    assert SimulatedTransfer.objects.get().state == "SUCCESS"
