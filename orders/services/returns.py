"""Returns (退货退款) step by step, and the after-sale deadlines that make a request move on when
nobody acts (docs/after-sales.md#refunds-and-returns).

A return, once approved (by the merchant, or by the system at ``respond_by``), shows the shop's
return address (``return_terms``: the shop's 退货设置, else its 经营地址), copied onto the request.
The shopper sends the goods and enters the carrier and tracking number
(``after_sale_return_ship``) within ``ship_back_days`` (default 7), or the request closes
(``after_sales_close_unreturned_due``). The merchant then confirms the parcel arrived
(``after_sale_return_receive``: the units they call resellable go back into stock, and only now is
the refund reserved and sent, through the same gateway path as every refund) or refuses the goods
with a reason and photos (``after_sale_return_reject``: the request ends, the order stays as it
was). A merchant who does neither within ``receive_days`` (default 10) of the shipment is taken to
have received it (``after_sales_auto_receive_due``: refunded, nothing restocked), as on the
mainstream platforms.

The jobs take due ids first, then handle each in its own short transaction with the order and the
after-sale locked (order first) and the status re-checked by the state machine, so two workers
running the same job at once move each request once (tests/orders/test_returns_races.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError
from core.integers import is_int
from orders.after_sale_state import after_sale_transition
from orders.locks import order_and_after_sale_lock
from orders.models import AfterSale, AfterSalePhoto, Carrier, Order, OrderEvent, ReturnSettings
from orders.ports import refund_gateway
from orders.services.after_sales import (
    after_sale_approve,
    after_sale_locked,
    after_sale_refund_reserve,
    photos_check,
    shopper_after_sale_locked,
)
from orders.services.stock import units_restock, units_unsell
from orders.state import order_note
from shop.models import Shop

logger = logging.getLogger(__name__)

AS = AfterSale.Status
A = OrderEvent.Actor
REJECT_PHOTOS_MAX = 6
TRACKING_NO = re.compile(r"^[A-Za-z0-9-]{6,40}$")


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


# ---------------------------------------------------------------- the shop's terms


@dataclass(frozen=True)
class ReturnTerms:
    """Where a shop's returns go and how long each side has."""

    recipient: str
    phone: str
    address: str
    ship_back_days: int
    receive_days: int
    response_hours: int

    @property
    def has_address(self) -> bool:
        return bool(self.address)


def return_terms(*, shop: Shop) -> ReturnTerms:
    """The shop's 退货设置 (one query); without a row, or with no address in it, the return address
    is the shop's 经营地址, sent to the shop's name and service phone."""
    row = ReturnSettings.objects.filter(shop_id=shop.pk).first()
    defaults = ReturnSettings()
    if row is not None and row.address:
        recipient, phone, address = row.recipient or shop.name, row.phone or shop.service_phone, row.address
    else:
        recipient, phone, address = shop.name, shop.service_phone, shop.business_address
    return ReturnTerms(
        recipient=recipient[:32], phone=phone[:20], address=address[:255],
        ship_back_days=(row or defaults).ship_back_days, receive_days=(row or defaults).receive_days,
        response_hours=shop.after_sale_response_hours,
    )  # fmt: skip


@transaction.atomic
def return_settings_save(*, settings: ReturnSettings) -> ReturnSettings:
    """Save a shop's 退货设置 (checked like a form: ``ApplicationError("invalid")`` with the fields).
    Returns approved while the shop had no return address at all get this one now, and their
    7-day clock starts now (the shopper is told on the timeline)."""
    for name in ("recipient", "phone", "address"):  # one line each, as the shopper will copy it
        setattr(settings, name, " ".join((getattr(settings, name) or "").split()))
    try:
        settings.full_clean()
    except ValidationError as exc:
        fields = exc.message_dict
        raise ApplicationError("invalid", next(iter(fields.values()))[0], fields=fields) from exc
    settings.save()
    shop = Shop.objects.get(pk=settings.shop_id)
    terms = return_terms(shop=shop)
    if not terms.has_address:
        return settings
    waiting = AfterSale.objects.filter(shop_id=shop.pk, status=AS.AWAITING_RETURN, return_address="")
    for order_id, pk in waiting.order_by("order_id", "pk").values_list("order_id", "pk"):
        order, after_sale = order_and_after_sale_lock(order_id=order_id, pk=pk)
        if after_sale.status != AS.AWAITING_RETURN or after_sale.return_address:
            continue
        ship_back_by = timezone.now() + timedelta(days=terms.ship_back_days)
        AfterSale.objects.filter(pk=pk).update(
            return_name=terms.recipient, return_phone=terms.phone, return_address=terms.address,
            ship_back_by=ship_back_by, updated_at=timezone.now(),
        )  # fmt: skip
        order_note(
            order=order, event=OrderEvent.Type.RETURN_ADDRESS, actor_kind=A.MERCHANT,
            message=_("请在 %(t)s 前寄回商品并填写退货物流") % {"t": _local(ship_back_by)},
            data={"after_sale_no": after_sale.after_sale_no, "amount_fen": after_sale.amount_fen},
        )  # fmt: skip
    return settings


# ---------------------------------------------------------------- the steps


def return_approve(
    *, order: Order, after_sale: AfterSale, actor: User | None, actor_kind: str, message: str = ""
) -> None:
    """Approve a locked return (``after_sale_approve`` calls it): the return address is copied onto
    it and the shopper's ``ship_back_by`` clock starts. A merchant must have a return address
    first (``return_address_missing``); the system's approval at ``respond_by`` goes ahead without
    one (the deadline is real), the shopper is told to contact the shop, and their clock starts
    when the merchant saves an address (``return_settings_save``)."""
    terms = return_terms(shop=order.shop)
    if not terms.has_address and actor_kind != A.SYSTEM:
        raise ApplicationError(
            "return_address_missing",
            _("请先在“退货设置”中填写退货地址，再同意退货。"),
            http_status=409,
        )
    now = timezone.now()
    if terms.has_address:
        told = _("请在 %(t)s 前寄回商品并填写退货物流") % {
            "t": _local(now + timedelta(days=terms.ship_back_days))
        }
    else:
        told = _("商家暂未提供退货地址，请联系商家")
    after_sale_transition(
        after_sale=after_sale, order=order, to=AS.AWAITING_RETURN, actor_kind=actor_kind, actor=actor,
        message=f"{message}；{told}" if message else told,
        extra_fields={"return_name": terms.recipient, "return_phone": terms.phone, "return_address": terms.address}
        if terms.has_address else None,
        deadlines={"ship_back_by": timedelta(days=terms.ship_back_days)} if terms.has_address else None,
    )  # fmt: skip


def _shipment_clean(*, carrier: str, carrier_name: str, tracking_no: str) -> tuple[str, str, str]:
    """The shopper's carrier and tracking number, or ``return_carrier_invalid`` /
    ``return_tracking_invalid`` (400, with the field)."""
    carrier = (carrier or "").strip()
    carrier_name = (carrier_name or "").strip()
    tracking_no = re.sub(r"\s+", "", tracking_no or "")
    if carrier not in Carrier.values:
        raise ApplicationError(
            "return_carrier_invalid", _("请选择快递公司。"), fields={"carrier": [_("请选择快递公司。")]}
        )
    if carrier == Carrier.OTHER and not carrier_name:
        raise ApplicationError(
            "return_carrier_invalid", _("选择“其他”时请填写快递公司名称。"),
            fields={"carrier_name": [_("请填写快递公司名称。")]},
        )  # fmt: skip
    if len(carrier_name) > 32:
        raise ApplicationError(
            "return_carrier_invalid", _("快递公司名称最多 32 个字。"), fields={"carrier_name": [_("太长")]}
        )
    if not TRACKING_NO.match(tracking_no):
        message = _("请填写正确的运单号（6–40 位字母、数字或“-”）。")
        raise ApplicationError("return_tracking_invalid", message, fields={"tracking_no": [message]})
    return carrier, carrier_name if carrier == Carrier.OTHER else "", tracking_no


@transaction.atomic
def after_sale_return_ship(
    *, order: Order, user: User, after_sale_no: str, carrier: str, tracking_no: str, carrier_name: str = ""
) -> AfterSale:
    """The shopper has sent the goods back: the carrier (``Carrier``; "other" with its name) and
    the tracking number. From now on the merchant has the shop's ``receive_days`` to confirm the
    parcel arrived or refuse the goods (``receive_by``)."""
    after_sale, order = shopper_after_sale_locked(order=order, user=user, after_sale_no=after_sale_no)
    if after_sale.status != AS.AWAITING_RETURN:
        raise ApplicationError(
            "after_sale_not_pending",
            _("该售后申请当前为“%(s)s”，不能填写退货物流。") % {"s": after_sale.get_status_display()},
            http_status=409,
        )
    if not after_sale.return_address:
        raise ApplicationError(
            "return_address_missing", _("商家还没有提供退货地址，请先联系商家。"), http_status=409
        )
    if after_sale.ship_back_by is not None and timezone.now() > after_sale.ship_back_by:
        raise ApplicationError(
            "return_ship_overdue",
            _("已超过寄回期限（%(t)s），这次售后申请将自动关闭。") % {"t": _local(after_sale.ship_back_by)},
            http_status=409,
        )
    carrier, carrier_name, tracking_no = _shipment_clean(
        carrier=carrier, carrier_name=carrier_name, tracking_no=tracking_no
    )
    terms = return_terms(shop=order.shop)
    label = carrier_name or str(Carrier(carrier).label)
    after_sale_transition(
        after_sale=after_sale, order=order, to=AS.RETURNING, actor_kind=A.SHOPPER, actor=user,
        message=f"{label} {tracking_no}",
        data={"carrier": carrier, "carrier_name": carrier_name, "tracking_no": tracking_no},
        extra_fields={"return_carrier": carrier, "return_carrier_name": carrier_name, "return_tracking_no": tracking_no},
        deadlines={"receive_by": timedelta(days=terms.receive_days)},
    )  # fmt: skip
    return after_sale


def _restock_counts(after_sale: AfterSale, restock: Mapping[Any, Any]) -> list[tuple[Any, int]]:
    """``[(after-sale line, units to put back), ...]`` from ``{order line id: units}`` (each
    within the units that line returns), or ``restock_invalid`` (400)."""
    rows = {row.order_line_id: row for row in after_sale.lines.select_related("order_line")}

    def refuse(message: str) -> ApplicationError:
        return ApplicationError("restock_invalid", message, fields={"restock": [message]})

    counts = {}
    for line_id, units in restock.items():
        row = rows.get(line_id) if is_int(line_id) else None
        if row is None or row.quantity == 0:
            raise refuse(_("所选商品不在这次退货里。"))
        item = f"{row.order_line.title} {row.order_line.spec_text}".strip()
        if not is_int(units) or units < 0 or units > row.quantity:
            raise refuse(_("“%(item)s”可入库数量应为 0–%(n)d 件。") % {"item": item, "n": row.quantity})
        counts[line_id] = units
    return [(row, counts.get(line_id, 0)) for line_id, row in sorted(rows.items())]


def after_sale_return_receive(
    *,
    shop: Shop,
    after_sale_no: str,
    actor: User | None,
    restock: Mapping[Any, Any] | None = None,
    actor_kind: str = A.MERCHANT,
    message: str = "",
) -> AfterSale:
    """The merchant confirms the returned goods arrived (or the system does at ``receive_by``):
    ``restock`` (``{order line id: units}``, optional) are the units that may be sold again — they
    go back into stock, the others do not; every returned unit leaves the sales counts. Only now is
    the refund reserved (under the order's lock) and sent (after commit, with no row locked)."""
    gateway = refund_gateway()
    with transaction.atomic():
        after_sale, order = after_sale_locked(shop_id=shop.pk, after_sale_no=after_sale_no)
        if after_sale.status != AS.RETURNING:
            raise ApplicationError(
                "after_sale_not_pending",
                _("该售后申请当前为“%(s)s”，不能确认收货。") % {"s": after_sale.get_status_display()},
                http_status=409,
            )
        counts = _restock_counts(after_sale, restock or {})
        refund = after_sale_refund_reserve(
            order=order, after_sale=after_sale, actor=actor, actor_kind=actor_kind, message=message
        )
        for row, units in counts:
            if units:
                row.restocked_quantity = units
                row.save(update_fields=["restocked_quantity"])
        units_restock(
            (row.order_line.sku_id, row.order_line.product_id_snapshot, units) for row, units in counts
        )
        units_unsell(
            (row.order_line.sku_id, row.order_line.product_id_snapshot, row.quantity) for row, _u in counts
        )
    gateway.refund_send(refund=refund)
    after_sale.refresh_from_db()
    return after_sale


@transaction.atomic
def after_sale_return_reject(
    *, shop: Shop, after_sale_no: str, actor: User | None, reason: str, photos: Sequence[File[Any]]
) -> AfterSale:
    """The merchant refuses the returned goods (not what was sent, damaged by the shopper, …) with
    a reason and 1–6 photos: the request ends unrefunded and the order stays as it was."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "reject_reason_required", _("请填写拒绝原因。"), fields={"reason": [_("必填")]}
        )
    photos_check(photos, most=REJECT_PHOTOS_MAX, least=1)
    after_sale, order = after_sale_locked(shop_id=shop.pk, after_sale_no=after_sale_no)
    if after_sale.status != AS.RETURNING:
        raise ApplicationError(
            "after_sale_not_pending",
            _("该售后申请当前为“%(s)s”，不能拒绝收货。") % {"s": after_sale.get_status_display()},
            http_status=409,
        )
    after_sale_transition(
        after_sale=after_sale, order=order, to=AS.RETURN_REJECTED, actor_kind=A.MERCHANT, actor=actor,
        message=reason[:200], extra_fields={"reject_reason": reason[:200]},
    )  # fmt: skip
    for photo in photos:
        AfterSalePhoto.objects.create(after_sale=after_sale, image=photo, by=AfterSalePhoto.By.MERCHANT)
    return after_sale


# ---------------------------------------------------------------- the deadlines (periodic jobs)


def _each_due(rows: Sequence[tuple[int, str]], handle: Any, *, job: str) -> int:
    """Run ``handle(shop_id, after_sale_no)`` on each due request; one another worker (or a person)
    moved on first is skipped. Returns how many this run moved."""
    moved = 0
    for shop_id, after_sale_no in rows:
        try:
            if handle(shop_id, after_sale_no):
                moved += 1
        except ApplicationError as exc:
            if exc.code != "after_sale_not_pending":
                logger.warning(
                    "%s: after-sale %s not moved: %s (%s)", job, after_sale_no, exc.message, exc.code
                )
    return moved


def _due(status: str, field: str, *, now: datetime, limit: int) -> list[tuple[int, str]]:
    due = AfterSale.objects.filter(status=status, **{f"{field}__lte": now}).order_by(field, "pk")
    return list(due.values_list("shop_id", "after_sale_no")[:limit])


def after_sales_auto_approve_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Approve every request the merchant left unanswered past ``respond_by`` (the shop's
    售后处理时限): 仅退款 is refunded now; 退货退款 shows the return address."""
    now = now or timezone.now()

    def approve(shop_id: int, after_sale_no: str) -> bool:
        kind = AfterSale.objects.filter(shop_id=shop_id, after_sale_no=after_sale_no).values_list(
            "kind", flat=True
        )
        said = (
            _("商家超过处理时限未处理，系统已自动同意退货")
            if kind.first() == AfterSale.Kind.RETURN_REFUND
            else _("商家超过处理时限未处理，系统已自动同意并退款")
        )
        shop = Shop.objects.get(pk=shop_id)
        after_sale_approve(
            shop=shop, after_sale_no=after_sale_no, actor=None, actor_kind=A.SYSTEM, message=said
        )
        return True

    return _each_due(_due(AS.REQUESTED, "respond_by", now=now, limit=limit), approve, job="auto_approve")


def after_sales_close_unreturned_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Close every approved return whose shopper sent nothing back by ``ship_back_by``."""
    now = now or timezone.now()

    @transaction.atomic
    def close(shop_id: int, after_sale_no: str) -> bool:
        after_sale, order = after_sale_locked(shop_id=shop_id, after_sale_no=after_sale_no)
        if (
            after_sale.status != AS.AWAITING_RETURN
            or after_sale.ship_back_by is None
            or after_sale.ship_back_by > now
        ):
            return False
        after_sale_transition(
            after_sale=after_sale, order=order, to=AS.CLOSED, actor_kind=A.SYSTEM,
            message=_("超过寄回期限未填写退货物流，售后申请已自动关闭"),
        )  # fmt: skip
        return True

    return _each_due(
        _due(AS.AWAITING_RETURN, "ship_back_by", now=now, limit=limit), close, job="close_unreturned"
    )


def after_sales_auto_receive_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Confirm receipt (and refund) of every return the merchant neither confirmed nor refused by
    ``receive_by``; nothing is put back into stock (nobody said it may be sold again)."""
    now = now or timezone.now()

    def receive(shop_id: int, after_sale_no: str) -> bool:
        shop = Shop.objects.get(pk=shop_id)
        after_sale_return_receive(
            shop=shop, after_sale_no=after_sale_no, actor=None, actor_kind=A.SYSTEM,
            message=_("商家超过验收期限未处理，系统已自动确认收货并退款"),
        )  # fmt: skip
        return True

    return _each_due(_due(AS.RETURNING, "receive_by", now=now, limit=limit), receive, job="auto_receive")
