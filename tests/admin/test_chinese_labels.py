"""No English in the Chinese admin. Every changelist, add and change page (with its inlines) is
opened as the platform operator and as a merchant, and every label a merchant reads is checked:
column headers, field labels, inline titles, fieldset names, action names, filter titles, object
names (never Django's ``AfterSale object (1)``) and shown values (never a raw stored choice such as
``pending_payment``). Django's own admin chrome is translated by LANGUAGE_CODE=zh-hans.

Beside the pages, every model and field of our apps has a Chinese verbose name marked for
translation and a ``__str__`` of its own, so a model registered later is already right."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import result_headers, results
from django.db import models
from django.forms import ModelChoiceField
from django.test import RequestFactory
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.translation import override

from tests.test_admin_isolation import two_shops  # noqa: F401 (the fixture: one of everything)

OUR_APPS = (
    "accounts", "shop", "catalog", "orders", "payments", "wechat", "notifications", "promotions", "marketing",
    "groupbuy", "distribution", "reviews", "complaints", "crm", "analytics",
)  # fmt: skip
CJK = re.compile(r"[\u4e00-\u9fff]")
# Names a Chinese merchant reads as they are.
WHITELIST = re.compile(
    r"\b(ID|SKU|AppID|AppSecret|OpenID|openid|UnionID|URL|CSV|API|APIv3|JSON|PEM|Token|EncodingAESKey|"
    r"mchid|ticket|IP|EMS|WeChat|WeiShop|SMS)\b"
)
DJANGO_OBJECT_NAME = re.compile(r"\b[A-Z]\w* object \(\d+\)")


def untranslated(text: str) -> bool:
    """Shown as a label but not Chinese: English letters left once the whitelist is removed."""
    text = strip_tags(str(text)).strip()
    return bool(text) and not CJK.search(text) and bool(re.search(r"[A-Za-z]", WHITELIST.sub("", text)))


def raw_choice_values() -> set[str]:
    """Every stored choice value whose label differs (``pending_payment``, ``refund_only``, ...)."""
    raw = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or []:
                if (
                    isinstance(value, str)
                    and value
                    and value != str(label)
                    and re.fullmatch(r"[a-z0-9_]+", value)
                ):
                    raw.add(value)
    return raw


class Labels:
    def __init__(self, raw: set[str]) -> None:
        self.problems: list[str] = []
        self.raw = raw
        self.checked = 0

    def label(self, where: str, text) -> None:
        self.checked += 1
        if untranslated(text):
            self.problems.append(f"{where}: {strip_tags(str(text)).strip()!r}")

    def value(self, where: str, text) -> None:
        shown = strip_tags(str(text)).strip()
        if shown in self.raw:
            self.problems.append(f"{where}: raw value {shown!r}")


def check_changelist(labels: Labels, name: str, context) -> None:
    cl = context["cl"]
    for header in result_headers(cl):
        labels.label(f"{name} column", header["text"])
    for spec in cl.filter_specs:
        labels.label(f"{name} filter", spec.title)
    if context.get("action_form"):
        for _value, text in context["action_form"].fields["action"].choices:
            labels.label(f"{name} action", text)
    for row in results(cl):
        for cell in row:
            labels.value(f"{name} cell", cell)


def fixed_choices(form_field) -> list[str]:
    """The labels of a field's fixed choices (a model's rows, e.g. user names, are data)."""
    if isinstance(form_field, ModelChoiceField):
        return []
    return [
        str(text)
        for _value, text in getattr(form_field, "flatchoices", None)
        or getattr(form_field, "choices", None)
        or []
    ]


def check_form_page(labels: Labels, name: str, context) -> None:
    for fieldset in context["adminform"]:
        if fieldset.name:
            labels.label(f"{name} fieldset", fieldset.name)
        for line in fieldset:
            for field in line:
                if field.is_readonly:
                    labels.label(f"{name} field", field.field["label"])
                    labels.value(f"{name} {field.field['name']}", field.contents())
                else:
                    labels.label(f"{name} field {field.field.name}", field.field.label)
                    for text in fixed_choices(field.field.field):
                        labels.label(f"{name} choice of {field.field.name}", text)
    for inline in context.get("inline_admin_formsets") or []:
        title = f"{name} inline {inline.opts.model.__name__}"
        labels.label(f"{title} title", inline.opts.verbose_name_plural)
        labels.label(f"{title} title", inline.opts.verbose_name)
        for header in inline.fields():
            labels.label(f"{title} column", header["label"])
        for inline_form in inline:
            if inline_form.original is not None:
                labels.value(f"{title} row", str(inline_form.original))
            for fieldset in inline_form:
                for line in fieldset:
                    for field in line:
                        if field.is_readonly:
                            labels.value(f"{title} {field.field['name']}", field.contents())
                        else:
                            for text in fixed_choices(field.field.field):
                                labels.label(f"{title} choice of {field.field.name}", text)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def everything(two_shops, shop_a, merchant_a, operator):  # noqa: F811 (the imported fixture)
    """two_shops, plus what only the operator sees (a login code, an API token, a photo upload)."""
    from datetime import timedelta

    from django.contrib.auth.models import Group
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import PhoneLoginCode

    PhoneLoginCode.objects.create(
        phone="13812345678", code_hash="x", expires_at=timezone.now() + timedelta(minutes=5)
    )
    Token.objects.create(user=merchant_a)
    Group.objects.create(name="客服")
    from accounts.models import PhotoUpload
    from tests.factories import ShopperFactory

    PhotoUpload.objects.create(
        shop=shop_a,
        user=ShopperFactory(),
        image="uploads/photos/a.jpg",
        expires_at=timezone.now() + timedelta(hours=24),
    )
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    seen = {
        "ip_address": "203.0.113.9",
        "user_agent": "curl",
        "username": "merchant_a",
        "path_info": "/admin/login/",
    }
    AccessAttempt.objects.create(**seen, failures_since_start=5, get_data="", post_data="")
    AccessLog.objects.create(**seen)
    AccessFailureLog.objects.create(**seen, locked_out=True)
    return two_shops


@pytest.mark.parametrize("who", ["operator", "merchant_a"])
def test_every_admin_page_is_chinese(client, everything, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    rf_request = RequestFactory().get("/admin/")
    rf_request.user = user
    labels = Labels(raw_choice_values())
    pages = 0
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_module_permission(rf_request):
            continue
        name = model._meta.label
        labels.label(f"{name} model name", model._meta.verbose_name_plural)
        response = client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, name
        check_changelist(labels, name, response.context)
        html = response.content.decode()
        obj = model_admin.get_queryset(rf_request).order_by("pk").first()
        assert obj is not None, f"no {name} to open: extend the fixture"
        urls = [admin_url(model, "change", obj.pk)]
        if model_admin.has_add_permission(rf_request):
            urls.append(admin_url(model, "add"))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            check_form_page(labels, f"{name} {url.rsplit('/', 2)[-2]}", response.context)
            html += response.content.decode()
        for match in DJANGO_OBJECT_NAME.findall(html):
            labels.problems.append(f"{name}: Django's object name {match!r}")
        pages += 1
    assert pages >= 10 and labels.checked > 100
    assert not labels.problems, "English in the Chinese admin:\n" + "\n".join(sorted(set(labels.problems)))


def our_models():
    return [model for app in OUR_APPS for model in apps.get_app_config(app).get_models()]


def test_every_model_and_field_has_a_chinese_verbose_name():
    problems = []
    with override("zh-hans"):
        for model in our_models():
            opts = model._meta
            for what in ("verbose_name", "verbose_name_plural"):
                value = getattr(opts, what)
                if not isinstance(value, Promise) or untranslated(value):
                    problems.append(f"{opts.label}.Meta.{what} = {str(value)!r}")
            if model.__str__ is models.Model.__str__:
                problems.append(f"{opts.label} has no __str__")
            for field in opts.get_fields():
                if field.auto_created and not field.concrete:
                    continue  # reverse relations are named by the other model
                value = field.verbose_name
                if field.name == "id":
                    continue
                if not isinstance(value, Promise) or untranslated(value):
                    problems.append(f"{opts.label}.{field.name} verbose_name = {str(value)!r}")
    assert not problems, "\n".join(problems)


def test_sku_image_choices_are_numbered_pictures(client, shop_a, merchant_a):
    """A SKU's image is picked from the product's pictures, shown as "图片 1" with a thumbnail,
    never as the image's id (``38#0``)."""
    from catalog.models import SKU
    from tests.factories import add_image, product_with_matrix

    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S",))
    first, second = (
        add_image(product),
        add_image(product, color=(0, 0, 200)),
    )  # same position: numbered in order
    sku = SKU.objects.get(product=product)
    client.force_login(merchant_a)
    pages = {
        "product": (admin_url(product, "change", product.pk), "skus-0-image"),
        "sku": (admin_url(sku, "change", sku.pk), "image"),
    }
    for page, (url, field_name) in pages.items():
        response = client.get(url)
        html = response.content.decode()
        if page == "product":
            form = response.context["inline_admin_formsets"][-1].formset.forms[0]
        else:
            form = response.context["adminform"].form
        field = form.fields["image"]
        labels = [strip_tags(str(label)).strip() for _value, label in field.choices]
        assert labels == ["不使用图片", "图片 1", "图片 2"], (page, labels)
        assert f"#{first.position}" not in " ".join(labels)
        for image in (first, second):
            assert f'value="{image.pk}"' in html and image.list_url in html, page
        assert f'name="{field_name}"' in html
        if page == "product":  # the image list shows the same numbers under each picture
            previews = re.findall(r'<td class="field-preview">(.*?)</td>', html, re.S)
            assert [strip_tags(p).strip() for p in previews[:2]] == ["图片 1", "图片 2"], previews


def test_the_admins_javascript_speaks_chinese_too(client, merchant_a):
    """The admin's scripts take their words from /admin/jsi18n/: every string they use has Chinese,
    Django 5.2's catalogue plus ours (locale/zh_Hans/LC_MESSAGES/djangojs.po) — e.g. the two-box
    selector of a coupon's categories and products."""
    import glob
    import json
    from pathlib import Path

    import django

    client.force_login(merchant_a)
    script = client.get("/admin/jsi18n/").content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1))
    admin_js = Path(django.__file__).parent / "contrib" / "admin" / "static" / "admin" / "js"
    used = set()
    for path in glob.glob(str(admin_js / "**" / "*.js"), recursive=True):
        if "vendor" not in path:
            text = Path(path).read_text(encoding="utf-8")
            used |= {m.group(2) for m in re.finditer(r"\bgettext\(\s*(['\"])((?:\\.|(?!\1).)*)\1", text)}
    used = {s.replace("\\'", "'").replace('\\"', '"') for s in used}
    missing = sorted(s for s in used if s not in catalog)
    assert missing == [], missing
