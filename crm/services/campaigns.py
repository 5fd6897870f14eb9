"""crm's campaigns services: marketing messages under a push budget (docs/crm.md#messages).

A campaign goes ``draft`` → ``scheduled`` (the merchant confirmed it after the preview; it is due
at its time, pushed out of the quiet hours) → ``sending`` → ``sent``; ``draft`` or ``scheduled``
may be ``cancelled``. The job (``campaigns_run``: ``run_jobs`` and Celery beat's
``crm.tasks.campaigns_send``) does the rest, and several workers may run it at once:

1. **Start** due campaigns (one conditional update: a campaign starts once).
2. **Build** each sending campaign's deliveries, a batch of ``BATCH_SIZE`` customers at a time in
   primary-key order, each batch in one transaction under the campaign's row lock (another
   worker skips a locked campaign): read the batch with its channels (``selectors.audience``),
   decide each customer's fate (``selectors.plan_for``), lock the profiles that would be sent to
   (primary-key order) and claim their push budget with one conditional update of
   ``last_marketing_at`` (opted in, and nothing sent within the shop's days), then write every
   delivery row (unique per campaign and customer). Queries per batch are constant.
3. **Send** pending deliveries one at a time like wechat's order outbox: each is claimed with a
   lease (``sending``; rows other workers hold are skipped), sent over the network with no row
   locked, and finished by a conditional update guarded by the claim. Failures are retried (1 min,
   5 min, 30 min), then ``failed``; WeChat's refusals (45015 outside the 48 hours, 43004 not
   following, 43101 no acceptance) make the delivery ``unreachable`` with the reason and give the
   budget back. A lease that ran out is retried once, then ``failed``.
4. **Finish** campaigns with every delivery settled.

Between 22:00 and 08:00 (Asia/Shanghai) nothing is started, built or sent: it waits for 08:00.
Order messages (notifications, wechat's outbox) never read or write the budget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wechatpy.exceptions import WeChatException

from core.errors import ApplicationError
from crm import locks
from crm.models.campaigns import Campaign, CampaignDelivery
from crm.models.profiles import CustomerProfile
from crm.selectors import campaigns as selectors
from crm.services.profiles import profile_merge_register
from shop.models import Shop
from wechat.client import miniprogram_client
from wechat.customer_service import NOT_FOLLOWING, WINDOW_CLOSED, SendResult, cs_text_send
from wechat.models import MessageSubscription, WeChatAccount

logger = logging.getLogger(__name__)

C = Campaign.Status
D = CampaignDelivery.Status
R = CampaignDelivery.Reason
LOCAL = ZoneInfo("Asia/Shanghai")
QUIET_FROM, QUIET_UNTIL = time(22, 0), time(8, 0)
BATCH_SIZE = 200
MAX_BATCHES_PER_RUN = 50  # 10,000 customers per campaign per run; the next run goes on
MAX_SENDS_PER_RUN = 1000
LEASE = timedelta(minutes=2)  # far above one send (a token fetch and the send, WECHAT_HTTP_TIMEOUT each)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
MAX_ATTEMPTS = len(BACKOFF) + 1
REFUSED_SUBSCRIPTION = 43101
UNSUBSCRIBE_SALT = "crm.campaigns.unsubscribe"


def ready() -> None:
    """Register this area's job (called once from ``CrmConfig.ready()``)."""
    from crm import tasks  # noqa: F401  (the Celery task, for workers)
    from orders.jobs import job_register

    job_register("campaigns_send", campaigns_run)
    profile_merge_register(deliveries_merge)


def deliveries_merge(*, kept: CustomerProfile, merged: CustomerProfile) -> None:
    """Two profiles of one shopper become one (both rows locked): the merged profile's deliveries
    move to the kept one, except for a campaign the kept one already has a delivery of (one per
    campaign and customer), whose row goes with the merged profile."""
    taken = CampaignDelivery.objects.filter(profile_id=kept.pk).values("campaign_id")
    CampaignDelivery.objects.filter(profile_id=merged.pk).exclude(campaign_id__in=taken).update(
        profile_id=kept.pk
    )


# ---------------------------------------------------------------- quiet hours


def in_quiet_hours(at: datetime) -> bool:
    """22:00–08:00 in Asia/Shanghai: no marketing message is sent."""
    local = at.astimezone(LOCAL).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def quiet_hours_end(at: datetime) -> datetime:
    """``at`` itself outside the quiet hours, else the 08:00 that ends them."""
    if not in_quiet_hours(at):
        return at
    local = at.astimezone(LOCAL)
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=LOCAL)


# ---------------------------------------------------------------- the message


def site_url() -> str:
    """The origin links in messages point at: ``PUBLIC_URL`` (production), else ``SELF_URL``."""
    return str(settings.PUBLIC_URL or settings.SELF_URL).rstrip("/")


def _signer(shop_id: int) -> signing.Signer:
    return signing.Signer(salt=f"{UNSUBSCRIBE_SALT}:{shop_id}", sep=".")


def unsubscribe_token(*, shop_id: int, profile_id: int) -> str:
    """The signed, shop-bound token of a customer's one-tap unsubscribe link (it never expires)."""
    return _signer(shop_id).sign(str(profile_id))


def unsubscribe_profile_id(*, shop_id: int, token: str) -> int | None:
    try:
        value = _signer(shop_id).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isascii() and value.isdigit() else None


def unsubscribe_path(*, shop_slug: str, token: str) -> str:
    return reverse("h5:marketing-unsubscribe", args=[shop_slug, token])


LINK_LABELS = {
    Campaign.LinkKind.PRODUCT: gettext_lazy("查看商品"),
    Campaign.LinkKind.COUPON: gettext_lazy("领取优惠券"),
    Campaign.LinkKind.PAGE: gettext_lazy("去看看"),
}
PAGE_ROUTES = {
    Campaign.Page.HOME: "h5:home",
    Campaign.Page.CATEGORIES: "h5:categories",
    Campaign.Page.FLASH_SALES: "h5:flash-sales",
    Campaign.Page.COUPONS: "h5:coupons",
    Campaign.Page.ME: "h5:me",
}


def campaign_link_path(*, campaign: Campaign, shop_slug: str) -> str:
    """The H5 path the message links to ("" without a link, or when its target is gone)."""
    kind = campaign.link_kind
    if kind == Campaign.LinkKind.PRODUCT and campaign.product_id:
        return reverse("h5:product", args=[shop_slug, campaign.product_id])
    if kind == Campaign.LinkKind.COUPON and campaign.coupon_id:
        return reverse("h5:coupon-claim", args=[shop_slug, campaign.coupon_id])
    if kind == Campaign.LinkKind.PAGE and campaign.page in PAGE_ROUTES:
        return reverse(PAGE_ROUTES[Campaign.Page(campaign.page)], args=[shop_slug])
    return ""


def link_problem(*, campaign: Campaign, now: datetime) -> str:
    """Why the campaign's link cannot be sent ("" when it can): a product off the shelf, a coupon
    shoppers cannot claim themselves or no longer can."""
    from catalog.models import Product
    from promotions.models import Coupon

    kind = campaign.link_kind
    if kind == Campaign.LinkKind.PRODUCT:
        product = Product.objects.filter(pk=campaign.product_id or 0, shop_id=campaign.shop_id).first()
        if product is None or product.status != Product.Status.ON_SALE:
            return _("链接的商品不在售，请换一个商品。")
    elif kind == Campaign.LinkKind.COUPON:
        coupon = Coupon.objects.filter(pk=campaign.coupon_id or 0, shop_id=campaign.shop_id).first()
        if coupon is None or coupon.distribution != Coupon.Distribution.PUBLIC:
            return _("只能链接顾客可以自己领取的优惠券（发放方式为“店铺和商品页领取”）。")
        if coupon.claim_ends_at <= now:
            return _("链接的优惠券已结束领取，请换一张。")
    elif kind == Campaign.LinkKind.PAGE and campaign.page not in PAGE_ROUTES:
        return _("请选择要链接的页面。")
    return ""


def campaign_message_text(*, campaign: Campaign, shop_slug: str, token: str) -> str:
    """The customer-service text a follower receives: the merchant's words, the link, and the
    one-tap unsubscribe link (every marketing message carries one)."""
    base = site_url()
    lines = [campaign.text.strip()]
    if path := campaign_link_path(campaign=campaign, shop_slug=shop_slug):
        label = LINK_LABELS.get(Campaign.LinkKind(campaign.link_kind), _("去看看"))
        lines.append(f"{label}：{base}{path}")
    lines.append(
        _("不想再收到活动消息？一键退订：%(url)s")
        % {"url": base + unsubscribe_path(shop_slug=shop_slug, token=token)}
    )
    return "\n".join(lines)


def _thing(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 20 else text[:19] + "…"


def campaign_subscribe_payload(
    *, campaign: Campaign, shop_slug: str, token: str
) -> tuple[dict[str, Any], str]:
    """The mini-program subscribe message: data (keys fixed, docs/wechat.md) and the page it opens,
    which carries the link and the unsubscribe token (``pages/message/index``)."""
    data = {"thing1": {"value": _thing(campaign.text)}, "thing2": {"value": _("打开可查看详情或退订")}}
    link = campaign_link_path(campaign=campaign, shop_slug=shop_slug)
    page = f"pages/message/index?shop={shop_slug}&link={quote(link, safe='')}&u={token}"
    return data, page


# ---------------------------------------------------------------- the merchant's use cases


def campaign_save(*, campaign: Campaign) -> Campaign:
    """Save a draft from admin: only the chosen link's target is kept."""
    if campaign.pk and Campaign.objects.filter(pk=campaign.pk).exclude(status=C.DRAFT).exists():
        raise ApplicationError(
            "campaign_not_editable", _("活动已确认发送或已取消，不能再修改。"), http_status=409
        )
    kind = campaign.link_kind
    if kind != Campaign.LinkKind.PRODUCT:
        campaign.product = None
    if kind != Campaign.LinkKind.COUPON:
        campaign.coupon = None
    if kind != Campaign.LinkKind.PAGE:
        campaign.page = ""
    campaign.full_clean()
    campaign.save()
    return campaign


def _campaign_for_shop(*, shop: Shop | int, campaign_id: int) -> Campaign:
    shop_id = shop if isinstance(shop, int) else shop.pk
    campaign = Campaign.objects.filter(shop_id=shop_id, pk=campaign_id).select_related("segment").first()
    if campaign is None:
        raise ApplicationError("campaign_not_found", _("没有这个营销活动。"), http_status=404)
    return campaign


def campaign_schedule(
    *, shop: Shop | int, campaign_id: int, actor: Any = None, now: datetime | None = None
) -> Campaign:
    """The merchant confirms a draft after the preview: it is sent at its time (now if none),
    moved to 08:00 if that falls in the quiet hours. Refused: no segment, a time already past, a
    link whose target is gone, a shop without an official account."""
    now = now or timezone.now()
    campaign = _campaign_for_shop(shop=shop, campaign_id=campaign_id)
    if campaign.status != C.DRAFT:
        raise ApplicationError("campaign_not_draft", _("活动已确认发送或已取消。"), http_status=409)
    if campaign.segment is None:
        raise ApplicationError("campaign_no_segment", _("请先选择要发送的客户分群。"))
    if campaign.send_at is not None and campaign.send_at <= now:
        raise ApplicationError("campaign_time_past", _("定时发送的时间已过，请修改时间或清空后立即发送。"))
    if problem := link_problem(campaign=campaign, now=now):
        raise ApplicationError("campaign_link_invalid", problem)
    if not WeChatAccount.objects.filter(shop_id=campaign.shop_id).exists():
        raise ApplicationError("wechat_not_configured", _("店铺还没有配置公众号，营销消息无法发出。"))
    due = quiet_hours_end(campaign.send_at or now)
    changed = Campaign.objects.filter(pk=campaign.pk, status=C.DRAFT).update(
        status=C.SCHEDULED, due_at=due, scheduled_at=now, updated_at=now,
        scheduled_by=actor if getattr(actor, "pk", None) else None,
    )  # fmt: skip
    if not changed:
        raise ApplicationError("campaign_not_draft", _("活动已确认发送或已取消。"), http_status=409)
    transaction.on_commit(campaigns_dispatch)
    campaign.refresh_from_db()
    return campaign


def campaign_cancel(*, shop: Shop | int, campaign_id: int, now: datetime | None = None) -> Campaign:
    """Cancel a draft or a campaign not started yet (once it sends, it cannot be called back)."""
    now = now or timezone.now()
    campaign = _campaign_for_shop(shop=shop, campaign_id=campaign_id)
    changed = Campaign.objects.filter(pk=campaign.pk, status__in=[C.DRAFT, C.SCHEDULED]).update(
        status=C.CANCELLED, cancelled_at=now, updated_at=now
    )
    if not changed:
        raise ApplicationError("campaign_already_sending", _("活动已开始发送，不能取消。"), http_status=409)
    campaign.refresh_from_db()
    return campaign


def campaigns_dispatch() -> None:
    """After a campaign is confirmed: with a broker, a worker starts on it now; without one
    (``make run``) the periodic job does within its interval."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from crm.tasks import campaigns_send

    campaigns_send.delay()


# ---------------------------------------------------------------- the shopper's opt-out


def _profile_for_token(*, shop: Shop, token: str) -> CustomerProfile:
    profile_id = unsubscribe_profile_id(shop_id=shop.pk, token=token)
    profile = CustomerProfile.objects.filter(shop=shop, pk=profile_id).first() if profile_id else None
    if profile is None:
        raise ApplicationError("unsubscribe_link_invalid", _("退订链接无效或已失效。"), http_status=404)
    return profile


def marketing_subscription_get(*, shop: Shop, token: str) -> CustomerProfile:
    return _profile_for_token(shop=shop, token=token)


def marketing_opt_out(*, shop: Shop, token: str, now: datetime | None = None) -> CustomerProfile:
    """The one-tap unsubscribe: from now on no marketing message goes to this customer (order
    messages still do). Idempotent: a second tap keeps the first time."""
    profile = _profile_for_token(shop=shop, token=token)
    CustomerProfile.objects.filter(pk=profile.pk, marketing_opt_out_at__isnull=True).update(
        marketing_opt_out_at=now or timezone.now()
    )
    profile.refresh_from_db(fields=["marketing_opt_out_at"])
    return profile


def marketing_opt_in(*, shop: Shop, token: str) -> CustomerProfile:
    """重新订阅: marketing messages again (under the same push budget)."""
    profile = _profile_for_token(shop=shop, token=token)
    CustomerProfile.objects.filter(pk=profile.pk).update(marketing_opt_out_at=None)
    profile.refresh_from_db(fields=["marketing_opt_out_at"])
    return profile


# ---------------------------------------------------------------- the job


def campaigns_run(*, now: datetime | None = None) -> int:
    """The periodic job: start due campaigns, build their deliveries, send what is due, finish
    what is done. Returns how many deliveries it wrote or sent. ``now`` pins the clock (tests)."""

    def clock() -> datetime:
        return now if now is not None else timezone.now()

    if in_quiet_hours(clock()):
        return 0
    campaigns_start_due(now=clock())
    work = 0
    building = Campaign.objects.filter(status=C.SENDING, built_at__isnull=True).order_by("pk")
    for campaign_id in list(building.values_list("pk", flat=True)):
        for _batch in range(MAX_BATCHES_PER_RUN):
            made = campaign_build_batch(campaign_id=campaign_id, now=clock())
            if not made:
                break
            work += made
    work += deliveries_send_due(clock=clock, limit=MAX_SENDS_PER_RUN)
    campaigns_finish(now=clock())
    return work


def campaigns_start_due(*, now: datetime) -> int:
    return Campaign.objects.filter(status=C.SCHEDULED, due_at__lte=now).update(
        status=C.SENDING, started_at=now, updated_at=now
    )


@dataclass
class _Row:
    profile_id: int
    plan: selectors.Plan
    budget_before: datetime | None = None


def campaign_build_batch(*, campaign_id: int, now: datetime) -> int | None:
    """Write the next batch of the campaign's deliveries; returns how many (0: the list is complete,
    None: another worker holds the campaign, or it is not sending)."""
    with transaction.atomic():
        campaign = locks.campaign_build_lock(pk=campaign_id)
        if campaign is None or campaign.status != C.SENDING or campaign.built_at is not None:
            return None
        segment = campaign.segment
        if segment is None:  # the segment was deleted before the list was complete
            Campaign.objects.filter(pk=campaign.pk).update(built_at=now)
            return 0
        account = selectors.account_for(shop_id=campaign.shop_id)
        cutoff = selectors.budget_cutoff(shop_id=campaign.shop_id, now=now)
        audience = selectors.audience(
            shop=campaign.shop, filters=segment.filters or {}, account=account, now=now
        )
        found = (
            audience.filter(pk__gt=campaign.build_cursor).order_by("pk").values(*selectors.AUDIENCE_FIELDS)
        )
        rows: dict[int, _Row] = {}
        for row in found[:BATCH_SIZE]:
            rows.setdefault(
                row["pk"],
                _Row(row["pk"], selectors.plan_for(row, has_account=account is not None, cutoff=cutoff)),
            )
        if not rows:
            Campaign.objects.filter(pk=campaign.pk).update(built_at=now)
            return 0
        cursor = max(rows)
        wanted = [pk for pk, row in rows.items() if row.plan.status == D.PENDING]
        if wanted:
            fresh = {pk: (opted, last) for pk, opted, last in locks.profiles_budget_lock(ids=wanted)}
            claim = []
            for pk in wanted:
                row = rows[pk]
                if pk not in fresh:  # deleted since the batch was read
                    del rows[pk]
                    continue
                opted_out_at, last = fresh[pk]
                row.budget_before = last
                if opted_out_at is not None:
                    row.plan = selectors.Plan(D.OPTED_OUT)
                elif last is not None and last > cutoff:
                    row.plan = selectors.Plan(D.CAPPED)
                else:
                    claim.append(pk)
            if claim:
                claimed = (
                    CustomerProfile.objects.filter(pk__in=claim, marketing_opt_out_at__isnull=True)
                    .filter(Q(last_marketing_at__isnull=True) | Q(last_marketing_at__lte=cutoff))
                    .update(last_marketing_at=now)
                )
                if claimed != len(claim):  # cannot happen under the lock: undo the batch rather than guess
                    raise RuntimeError(f"campaign {campaign.pk}: claimed {claimed} of {len(claim)} budgets")
        CampaignDelivery.objects.bulk_create([
            CampaignDelivery(
                shop_id=campaign.shop_id, campaign_id=campaign.pk, profile_id=pk, status=row.plan.status,
                channel=row.plan.channel, reason=row.plan.reason, openid=row.plan.openid,
                next_attempt_at=now if row.plan.status == D.PENDING else None,
                budget_before=row.budget_before if row.plan.status == D.PENDING else None,
                budget_claimed_at=now if row.plan.status == D.PENDING else None,
            )
            for pk, row in sorted(rows.items())
        ])  # fmt: skip
        Campaign.objects.filter(pk=campaign.pk).update(build_cursor=cursor, updated_at=now)
    return len(rows) or 1  # a batch of rows all deleted meanwhile still moved the cursor on


def campaigns_finish(*, now: datetime) -> int:
    """Sending campaigns whose list is complete and whose deliveries are all settled become sent."""
    open_rows = CampaignDelivery.objects.filter(campaign=OuterRef("pk"), status__in=[D.PENDING, D.SENDING])
    return (
        Campaign.objects.filter(status=C.SENDING, built_at__isnull=False)
        .exclude(Exists(open_rows))
        .update(status=C.SENT, finished_at=now, updated_at=now)
    )


def _claimable(now: datetime) -> Q:
    return Q(status=D.PENDING, next_attempt_at__lte=now) | (
        Q(status=D.SENDING) & (Q(lease_until__lt=now) | Q(lease_until__isnull=True))
    )


def deliveries_claim_due(*, now: datetime, limit: int = 1) -> list[CampaignDelivery]:
    """Claim up to ``limit`` due deliveries for this worker (``sending`` with a lease), in one short
    transaction that locks only delivery rows and skips those other workers hold. A delivery whose
    lease ran out is retried once; if that send dies too it is given up: the message may have
    arrived, and a second copy is what the budget forbids."""
    while True:
        with transaction.atomic():
            rows = list(locks.deliveries_claimable_lock().filter(_claimable(now))[:limit])
            claimed, given_up = [], 0
            for delivery in rows:
                lapsed = delivery.status == D.SENDING
                if lapsed and delivery.lease_lapses >= 1:
                    CampaignDelivery.objects.filter(pk=delivery.pk).update(
                        status=D.FAILED, lease_until=None, next_attempt_at=None,
                        detail=_("发送两次中断（租约过期），已放弃。"),
                    )  # fmt: skip
                    logger.warning("campaign delivery %s: lease ran out twice, given up", delivery.pk)
                    given_up += 1
                    continue
                delivery.status = D.SENDING
                delivery.attempts += 1
                delivery.lease_until = now + LEASE
                delivery.lease_lapses += lapsed
                delivery.save(update_fields=["status", "attempts", "lease_until", "lease_lapses"])
                claimed.append(delivery)
        if claimed or not given_up:
            return claimed


def deliveries_send_due(*, clock: Callable[[], datetime], limit: int) -> int:
    """Claim and send due deliveries one at a time; returns how many were sent."""
    sent = 0
    accounts: dict[int, WeChatAccount | None] = {}
    for _turn in range(limit):
        now = clock()
        if in_quiet_hours(now):
            break
        claimed = deliveries_claim_due(now=now, limit=1)
        if not claimed:
            break
        delivery = claimed[0]
        if delivery.shop_id not in accounts:
            accounts[delivery.shop_id] = WeChatAccount.objects.filter(shop_id=delivery.shop_id).first()
        sent += delivery_send(delivery=delivery, account=accounts[delivery.shop_id], now=now) == D.SENT
    return sent


def delivery_send(*, delivery: CampaignDelivery, account: WeChatAccount | None, now: datetime) -> str:
    """Send one claimed delivery (no row locked during the call) and record the outcome; returns
    its new status ("" if another worker took it over meanwhile)."""
    opted_out = CustomerProfile.objects.filter(
        pk=delivery.profile_id, marketing_opt_out_at__isnull=False
    ).exists()
    if opted_out:  # unsubscribed while the message waited (for 08:00, or a retry)
        return delivery_finish(delivery=delivery, now=now, status=D.OPTED_OUT, release=True)
    if account is None:
        return delivery_finish(
            delivery=delivery, now=now, status=D.UNREACHABLE, reason=R.NO_ACCOUNT, release=True
        )
    campaign, shop_slug = delivery.campaign, delivery.shop.slug
    token = unsubscribe_token(shop_id=delivery.shop_id, profile_id=delivery.profile_id)
    if delivery.channel == CampaignDelivery.Channel.ACCOUNT:
        result = cs_text_send(
            account=account, openid=delivery.openid,
            content=campaign_message_text(campaign=campaign, shop_slug=shop_slug, token=token),
        )  # fmt: skip
    else:
        if not delivery.acceptance_spent and not _spend_acceptance(delivery=delivery, account=account):
            return delivery_finish(
                delivery=delivery, now=now, status=D.UNREACHABLE, reason=R.NO_ACCEPTANCE, release=True
            )
        data, page = campaign_subscribe_payload(campaign=campaign, shop_slug=shop_slug, token=token)
        result = _subscribe_send(account=account, delivery=delivery, data=data, page=page)
    return delivery_result(delivery=delivery, result=result, now=now)


def _spend_acceptance(*, delivery: CampaignDelivery, account: WeChatAccount) -> bool:
    """One send spends one acceptance of the marketing template (a conditional update: the order
    messages spend theirs the same way, never below zero)."""
    user_id = CustomerProfile.objects.filter(pk=delivery.profile_id).values_list("user_id", flat=True).first()
    if user_id is None:
        return False
    spent = MessageSubscription.objects.filter(
        shop_id=delivery.shop_id, user_id=user_id, template_id=account.mp_tpl_marketing, remaining__gt=0
    ).update(remaining=F("remaining") - 1)
    if spent:
        CampaignDelivery.objects.filter(pk=delivery.pk).update(acceptance_spent=True)
        delivery.acceptance_spent = True
    return bool(spent)


def _subscribe_send(
    *, account: WeChatAccount, delivery: CampaignDelivery, data: dict[str, Any], page: str
) -> SendResult:
    try:
        miniprogram_client(account).send_subscribe_message(
            openid=delivery.openid, template_id=account.mp_tpl_marketing, data=data, page=page
        )
    except WeChatException as exc:
        return SendResult(errcode=int(exc.errcode or -1), error=f"{exc.errcode} {exc.errmsg}"[:255])
    except (requests.RequestException, ValueError) as exc:
        return SendResult(errcode=None, error=f"{exc.__class__.__name__}: {exc}"[:255])
    except ApplicationError as exc:
        return SendResult(errcode=None, error=exc.message[:255])
    return SendResult(errcode=0)


REFUSALS = {
    WINDOW_CLOSED: R.WECHAT_WINDOW,
    NOT_FOLLOWING: R.WECHAT_UNFOLLOWED,
    REFUSED_SUBSCRIPTION: R.WECHAT_REFUSED,
}


def delivery_result(*, delivery: CampaignDelivery, result: SendResult, now: datetime) -> str:
    """WeChat's answer to a send: sent; a refusal (unreachable, with the reason; the budget given
    back); or a failure retried with back-off, then failed."""
    if result.sent:
        return delivery_finish(delivery=delivery, now=now, status=D.SENT)
    if result.errcode in REFUSALS:
        return delivery_finish(
            delivery=delivery, now=now, status=D.UNREACHABLE, reason=REFUSALS[result.errcode],
            detail=result.error, release=True,
        )  # fmt: skip
    logger.warning("campaign delivery %s: %s", delivery.pk, result.error)
    if delivery.attempts >= MAX_ATTEMPTS:
        return delivery_finish(delivery=delivery, now=now, status=D.FAILED, detail=result.error)
    return delivery_finish(
        delivery=delivery, now=now, status=D.PENDING, detail=result.error,
        next_attempt_at=now + BACKOFF[delivery.attempts - 1],
    )  # fmt: skip


def delivery_finish(
    *, delivery: CampaignDelivery, now: datetime, status: str, reason: str = "", detail: str = "",
    release: bool = False, next_attempt_at: datetime | None = None,
) -> str:  # fmt: skip
    """Record a claimed delivery's outcome, guarded by the claim (still ``sending``, same attempt:
    a worker whose lease ran out and whose row was claimed again changes nothing). A sent message
    stamps the budget with its real time; one that never reached the customer gives the budget
    back (unless another campaign claimed it since)."""
    fields: dict[str, Any] = {"status": status, "detail": detail[:255], "lease_until": None,
                              "next_attempt_at": next_attempt_at}  # fmt: skip
    if reason:
        fields["reason"] = reason
    if status == D.SENT:
        fields["sent_at"] = now
    updated = CampaignDelivery.objects.filter(
        pk=delivery.pk, status=D.SENDING, attempts=delivery.attempts
    ).update(**fields)
    if not updated:
        return ""
    claimed = CustomerProfile.objects.filter(
        pk=delivery.profile_id, last_marketing_at=delivery.budget_claimed_at
    )
    if status == D.SENT and delivery.budget_claimed_at is not None:
        claimed.filter(last_marketing_at__lt=now).update(last_marketing_at=now)
    elif release and delivery.budget_claimed_at is not None:
        claimed.update(last_marketing_at=delivery.budget_before)
    return status
