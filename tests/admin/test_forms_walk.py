"""Every admin add and change form a merchant can reach is opened and saved, the way the browser
would post it, by a one-shop merchant and by a merchant with two shops:

- add: the form as shown, with only the required boxes a merchant must type filled in (generic
  values, or ``ADD_VALUES`` where a generic value cannot be valid), saves (302) or answers with
  form errors in Chinese — never a 500;
- change: an existing object's form posted back unchanged saves (302) and changes nothing.

A model registered later joins the walk the day it is registered (``two_shops`` in
tests/test_admin_isolation.py must give it an object, which that test already demands)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from catalog.images import make_demo_image
from shop.models import ShopMember
from tests.admin.browser_form import BrowserForm, Control, parse_form
from tests.test_admin_isolation import two_shops  # noqa: F401 (the fixture: one of everything)

CJK = re.compile(r"[\u4e00-\u9fff]")
# Columns that move by themselves on any save (timestamps) or are recomputed from other rows.
MOVING_COLUMNS = {"updated_at"}


def _pay_config() -> dict[str, str]:
    from devtools.wechatpay_sim import keys as simulator
    from payments.wechat import crypto

    values = {k: v for k, v in simulator.platform_settings().items() if k != "platform_certificates"}
    return {
        **values, "mode": "simulator", "mchid": "1900000999", "appid": "wx9999999999999999",
        "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A72",
        "merchant_private_key": crypto.private_pem(crypto.new_private_key()), "apiv3_key": "b" * 32,
    }  # fmt: skip


# Values no generic fill can make valid (formats checked by the form), by model label.
ADD_VALUES: dict[str, Callable[[], dict[str, str]]] = {
    "payments.WeChatPayConfig": _pay_config,
    "wechat.WeChatAccount": lambda: {"appid": "wx7777777777777777", "secret": "s3cret", "token": "walker1"},
    "wechat.ChannelQRCode": lambda: {"scene": "walker-1", "expire_days": "7"},
}

# Known bugs not fixed yet, as strict xfails naming the bug: fixing it flips the case to passing.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _fill(control: Control, n: int) -> list[str]:
    """What a merchant would type into an empty required box."""
    if control.kind in ("select", "select-multiple"):
        options = [o for o in control.options if o]
        return options[:1]
    return {
        "number": ["1"],
        "email": ["walker@example.com"],
        "url": ["https://example.com/"],
        "date": [date.today().isoformat()],  # noqa: DTZ011 (a form value)
        "time": ["12:00:00"],
        "checkbox": ["on"],
        "radio": control.values or ["on"],
    }.get(control.kind, [f"测试{n}"])


def add_data(form: BrowserForm, label: str) -> dict:
    data = form.data()
    for n, control in enumerate(form.empty_required(), start=1):
        data[control.name] = _fill(control, n)
    data.update(ADD_VALUES.get(label, dict)())
    for name, required in form.file_inputs:
        if required:
            data[name] = SimpleUploadedFile("walker.jpg", make_demo_image("测试", size=400), "image/jpeg")
    return data


def page_errors(context) -> list[str]:
    """Every error message an admin change form shows (main form and inlines)."""
    errors: list[str] = []
    form = context["adminform"].form
    for messages in form.errors.values():
        errors.extend(messages)
    for inline in context.get("inline_admin_formsets") or []:
        errors.extend(inline.formset.non_form_errors())
        for inline_form in inline.formset.forms:
            for messages in inline_form.errors.values():
                errors.extend(messages)
    return [str(e) for e in errors]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def row(model, pk) -> dict:
    """The stored row as a merchant would compare it (forms strip surrounding whitespace)."""
    values = model._default_manager.filter(pk=pk).values().get()
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items() if k not in MOVING_COLUMNS}


CASES = [
    pytest.param(
        model._meta.label,
        view,
        id=f"{model._meta.label_lower}-{view}",
        marks=[
            pytest.mark.xfail(strict=True, raises=ValueError, reason=KNOWN_BUGS[(model._meta.label, view)])
        ]
        if (model._meta.label, view) in KNOWN_BUGS
        else [],
    )
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label)
    for view in ("add", "change")
]


@pytest.fixture(params=["one_shop", "two_shops"])
def merchant(request, two_shops, shop_b, merchant_a):  # noqa: F811 (the imported fixture)
    """merchant_a of shop A (and, the second time, of shop B too), with shop A's objects."""
    if request.param == "two_shops":
        ShopMember.objects.create(shop=shop_b, user=merchant_a, role=ShopMember.Role.OWNER)
    return merchant_a


@pytest.mark.parametrize(("label", "view"), CASES)
def test_merchant_opens_and_saves_every_admin_form(client, merchant, label, view):
    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = merchant
    if not model_admin.has_module_permission(request):
        pytest.skip(f"{label}: platform operators only")
    client.force_login(merchant)
    form_id = f"{model._meta.model_name}_form"

    if view == "add":
        if not model_admin.has_add_permission(request):
            assert client.get(admin_url(model, "add")).status_code == 403
            return
        response = client.get(admin_url(model, "add"))
        assert response.status_code == 200, label
        before = model._default_manager.count()
        response = client.post(
            admin_url(model, "add"),
            {**add_data(parse_form(response.content.decode(), form_id), label), "_save": ""},
        )
        if response.status_code == 302:
            assert model._default_manager.count() == before + 1, f"{label}: add said saved, saved nothing"
            return
        assert response.status_code == 200, label
        errors = page_errors(response.context)
        assert errors, f"{label}: the add form came back without saying why"
        assert all(CJK.search(e) for e in errors), f"{label}: error not in Chinese: {errors}"
        return

    obj = model_admin.get_queryset(request).order_by("pk").first()
    assert obj is not None, f"two_shops has no {label} a merchant can open: extend it"
    response = client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200, label
    if not model_admin.has_change_permission(request, obj):
        return  # a read-only record: opening it is all a merchant can do
    before = row(model, obj.pk)
    data = parse_form(response.content.decode(), form_id).data()
    response = client.post(admin_url(model, "change", obj.pk), {**data, "_save": ""})
    if response.status_code == 200:
        pytest.fail(f"{label}: saving unchanged shows errors: {page_errors(response.context)}")
    assert response.status_code == 302, label
    assert row(model, obj.pk) == before, f"{label}: saving unchanged changed the row"
