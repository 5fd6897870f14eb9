"""Money moving in and out through a payment provider (WeChat Pay, ...)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.models import TimeStampedModel, TransitionEvent
from core.money import MoneyField
from shop.models import Shop


def new_refund_no() -> str:
    return "R" + timezone.localdate().strftime("%Y%m%d") + f"{secrets.randbelow(10**12):012d}"


class Provider(models.TextChoices):
    """Who moves the money (``PaymentProvider.code``)."""

    WECHAT = "wechat", _("微信支付")
    LOCAL = "local", _("本地（未接入支付渠道）")


class Refund(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("待提交")
        PROCESSING = "processing", _("退款中")
        SUCCEEDED = "succeeded", _("退款成功")
        FAILED = "failed", _("退款失败")

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺"))
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="refunds", verbose_name=_("订单")
    )
    after_sale = models.OneToOneField(
        "orders.AfterSale",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refund",
        verbose_name=_("售后"),
    )
    payment = models.ForeignKey(
        "payments.PaymentAttempt", on_delete=models.PROTECT, null=True, blank=True, related_name="refunds",
        verbose_name=_("原支付"), help_text=_("退款从这笔支付原路退回"),
    )  # fmt: skip
    out_refund_no = models.CharField(_("退款单号"), max_length=32, unique=True, default=new_refund_no)
    reason = models.CharField(_("退款原因"), max_length=80, blank=True)
    provider = models.CharField(_("支付渠道"), max_length=16, choices=Provider.choices)
    amount_fen = MoneyField(_("退款金额"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    provider_refund_id = models.CharField(_("渠道退款单号"), max_length=64, blank=True)
    failure_reason = models.CharField(_("失败原因"), max_length=255, blank=True)
    succeeded_at = models.DateTimeField(_("退款时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("退款单 %(no)s") % {"no": self.out_refund_no}


class WeChatPayConfig(TimeStampedModel):
    """A shop's WeChat Pay merchant account. Secrets are encrypted at rest and write-only in admin."""

    class Mode(models.TextChoices):
        SIMULATOR = "simulator", _("本地模拟（开发/演示）")
        LIVE = "live", _("微信支付（生产）")

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="wechatpay", verbose_name=_("店铺")
    )
    mode = models.CharField(_("模式"), max_length=16, choices=Mode.choices, default=Mode.LIVE)
    mchid = models.CharField(_("商户号 mchid"), max_length=32)
    appid = models.CharField(_("公众号 AppID"), max_length=32)
    miniprogram_appid = models.CharField(_("小程序 AppID"), max_length=32, blank=True)
    merchant_serial_no = models.CharField(_("商户证书序列号"), max_length=64)
    merchant_private_key = EncryptedTextField(_("商户私钥（PEM）"))
    apiv3_key = EncryptedTextField(_("APIv3 密钥"))
    platform_public_key_id = models.CharField(_("微信支付公钥 ID"), max_length=64, blank=True)
    platform_public_key = models.TextField(_("微信支付公钥（PEM）"), blank=True)
    platform_certificates = models.JSONField(
        _("平台证书"), default=dict, blank=True, help_text=_("{序列号: 证书 PEM}，证书模式时填写")
    )
    last_error = models.CharField(_("最近一次调用失败"), max_length=255, blank=True)
    last_error_at = models.DateTimeField(_("失败时间"), null=True, blank=True)
    # 商家转账 (paying promoters' withdrawals to their WeChat balance): the scene WeChat granted in
    # the merchant console (产品中心 → 商家转账 → 转账场景), e.g. 1000 现金营销 or 1005 佣金报酬.
    transfer_scene_id = models.CharField(
        _("商家转账场景 ID"), max_length=16, blank=True,
        help_text=_("在微信支付商户平台“产品中心 → 商家转账 → 转账场景”中申请通过的场景 ID，例如 1000（现金营销）、"
                    "1005（佣金报酬）。留空则不能向推广员转账。"),
    )  # fmt: skip
    transfer_report_infos = models.JSONField(
        _("转账场景报备信息"), default=list, blank=True,
        help_text=_('该场景要求报备的内容，如 [{"info_type": "岗位类型", "info_content": "推广员"}, '
                    '{"info_type": "报酬说明", "info_content": "推广佣金"}]；留空时按场景 1000、1005 的常用内容填写。'),
    )  # fmt: skip

    class Meta:
        verbose_name = _("微信支付配置")
        verbose_name_plural = _("微信支付配置")

    def __str__(self) -> str:
        return f"{self.shop} · {self.mchid}"

    def clean(self) -> None:
        """Simulator mode only while the WeChat Pay simulator is on (admin refuses it otherwise)."""
        super().clean()
        if self.mode == self.Mode.SIMULATOR and not settings.WECHATPAY_SIMULATOR:
            raise ValidationError(
                {"mode": _("本地模拟器未开启（WECHATPAY_SIMULATOR），不能选择本地模拟模式。")}
            )

    @property
    def api_base_url(self) -> str:
        """Where this account's WeChat Pay API calls go: WeChat Pay's own host for live accounts
        (``WECHATPAY_API_URL``), the local simulator (``WECHATPAY_SIMULATOR_URL``) for simulator
        ones. ``ApplicationError("simulator_off")`` when the account is in simulator mode but the
        simulator is off (not installed): never a call to a URL nothing answers
        (``payments.providers.SimulatorOff``, a ``ProviderUnavailable`` as well)."""
        if self.mode == self.Mode.LIVE:
            return settings.WECHATPAY_API_URL.rstrip("/")
        if not settings.WECHATPAY_SIMULATOR:
            from payments.providers import SimulatorOff

            raise SimulatorOff(gettext("店铺的微信支付配置为本地模拟模式，但本地模拟器未开启。"))
        return settings.WECHATPAY_SIMULATOR_URL.rstrip("/")

    def platform_keys(self) -> dict:
        """Every platform key we accept a signature from, by serial (public-key and certificate mode)."""
        from payments.wechat.crypto import load_public_key

        keys = {serial: load_public_key(pem) for serial, pem in (self.platform_certificates or {}).items()}
        if self.platform_public_key_id and self.platform_public_key:
            keys[self.platform_public_key_id] = load_public_key(self.platform_public_key)
        return keys

    def appid_for(self, scene: str) -> str:
        """The appid a payment in ``scene`` is made under: the mini-program's for mini-program
        payments (when one is set), the official account's otherwise."""
        return self.miniprogram_appid if scene == "miniprogram" and self.miniprogram_appid else self.appid

    def appids(self) -> set[str]:
        return {a for a in (self.appid, self.miniprogram_appid) if a}


class PaymentAttempt(TimeStampedModel):
    """One attempt to pay an order (a prepay at the provider). An order may have several (the
    shopper switched device); at most one succeeds."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        SUCCEEDED = "succeeded", _("已支付")
        CLOSED = "closed", _("已关闭")
        FAILED = "failed", _("失败")

    class Scene(models.TextChoices):
        JSAPI = "jsapi", _("微信内支付（JSAPI）")
        MINIPROGRAM = "miniprogram", _("小程序支付")
        NATIVE = "native", _("扫码支付（Native）")
        H5 = "h5", _("手机浏览器支付（H5）")

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺"))
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="payments", verbose_name=_("订单")
    )
    out_trade_no = models.CharField(_("商户订单号"), max_length=32, unique=True)
    provider = models.CharField(
        _("支付渠道"), max_length=16, choices=Provider.choices, default=Provider.WECHAT
    )
    scene = models.CharField(_("场景"), max_length=16, choices=Scene.choices)
    amount_fen = MoneyField(_("金额"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    prepay_id = models.CharField(_("预支付 ID"), max_length=64, blank=True)
    code_url = models.CharField(_("扫码支付链接"), max_length=255, blank=True)
    h5_url = models.CharField(_("H5 支付链接"), max_length=512, blank=True)
    transaction_id = models.CharField(_("微信支付单号"), max_length=64, blank=True)
    payer_openid = models.CharField(_("付款人 OpenID"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("支付记录")
        verbose_name_plural = _("支付记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.out_trade_no


class PaymentEvent(TransitionEvent):
    """One status change of a payment attempt or a refund (payments/state.py writes them): who,
    when, from, to, why. Read-only in admin, under the attempt or refund it belongs to."""

    class Actor(models.TextChoices):
        SYSTEM = "system", _("系统")
        PROVIDER = "provider", _("微信支付")
        MERCHANT = "merchant", _("商家")
        SHOPPER = "shopper", _("顾客")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    payment = models.ForeignKey(
        PaymentAttempt, on_delete=models.CASCADE, null=True, blank=True, related_name="events",
        verbose_name=_("支付记录"),
    )  # fmt: skip
    refund = models.ForeignKey(
        Refund, on_delete=models.CASCADE, null=True, blank=True, related_name="events", verbose_name=_("退款")
    )
    actor_kind = models.CharField(_("操作方"), max_length=16, choices=Actor.choices)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16)
    message = models.CharField(_("原因"), max_length=255, blank=True)

    class Meta(TransitionEvent.Meta):
        verbose_name = _("支付状态变更")
        verbose_name_plural = _("支付状态变更")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payment__isnull=False) ^ models.Q(refund__isnull=False),
                name="payment_event_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.status_label(self.from_status)} → {self.status_label(self.to_status)}"

    def status_label(self, value: str) -> str:
        choices = PaymentAttempt.Status if self.payment_id else Refund.Status
        return str(choices(value).label) if value in choices.values else "—"


class PaymentNotification(models.Model):
    """Every verified notification, once (WeChat's ``id``): duplicates are answered, not re-applied."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    notification_id = models.CharField(_("通知 ID"), max_length=64, unique=True)
    event_type = models.CharField(_("通知类型"), max_length=32)
    out_trade_no = models.CharField(_("商户订单号"), max_length=64, blank=True)
    outcome = models.CharField(_("处理结果"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("收到时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("支付通知")
        verbose_name_plural = _("支付通知")

    def __str__(self) -> str:
        return self.notification_id


def new_bill_no() -> str:
    """A 商家转账 ``out_bill_no``: letters and digits only, at most 32 (WeChat's rule), unguessable."""
    return "T" + timezone.localdate().strftime("%Y%m%d") + f"{secrets.randbelow(10**16):016d}"


class Transfer(TimeStampedModel):
    """One 商家转账: money from the merchant's WeChat Pay account to a person's WeChat balance (a
    promoter's withdrawal). Created by ``payments.transfers.transfer_create`` in the caller's
    transaction, sent after commit, settled by WeChat's notification or our query; its state moves
    only through ``payments.state.transfer_move``. ``reference`` is the caller's own name for
    what it pays (``withdrawal:12``): one reference, one transfer."""

    class State(models.TextChoices):
        CREATED = "created", _("待发起")
        ACCEPTED = "accepted", _("已受理")
        WAITING = "waiting", _("待用户确认收款")
        TRANSFERING = "transfering", _("转账中")
        CANCELING = "canceling", _("撤销中")
        SUCCEEDED = "succeeded", _("已到账")
        FAILED = "failed", _("转账失败")
        CANCELLED = "cancelled", _("已撤销")

    FINAL_STATES = frozenset({State.SUCCEEDED, State.FAILED, State.CANCELLED})

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺"))
    out_bill_no = models.CharField(_("商户转账单号"), max_length=32, unique=True, default=new_bill_no)
    reference = models.CharField(
        _("业务单据"), max_length=64, blank=True, help_text=_("发起方的单据，如 withdrawal:12（提现申请）")
    )
    appid = models.CharField(_("AppID"), max_length=32)
    openid = models.CharField(_("收款用户 OpenID"), max_length=64)
    user_name = EncryptedTextField(
        _("收款用户姓名"), blank=True, help_text=_("单笔 2000 元及以上必填，加密保存")
    )
    amount_fen = MoneyField(_("转账金额"))
    remark = models.CharField(_("转账备注"), max_length=32, help_text=_("用户收款时可见"))
    scene_id = models.CharField(_("转账场景 ID"), max_length=16)
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.CREATED, db_index=True
    )
    wechat_state = models.CharField(_("微信支付状态"), max_length=24, blank=True)
    transfer_bill_no = models.CharField(_("微信转账单号"), max_length=64, blank=True)
    package_info = models.TextField(_("确认收款参数 package_info"), blank=True)
    fail_code = models.CharField(_("失败代码"), max_length=64, blank=True)
    fail_reason = models.CharField(_("失败原因"), max_length=255, blank=True)
    last_error = models.CharField(_("最近一次发起失败"), max_length=255, blank=True)
    send_count = models.PositiveIntegerField(_("发起次数"), default=0)
    sent_at = models.DateTimeField(_("最近发起时间"), null=True, blank=True)
    checked_at = models.DateTimeField(_("最近查询时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("商家转账")
        verbose_name_plural = _("商家转账")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="transfer_amount_positive"),
            models.UniqueConstraint(
                fields=["shop", "reference"],
                condition=~models.Q(reference=""),
                name="transfer_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return gettext("转账单 %(no)s") % {"no": self.out_bill_no}

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL_STATES


class TransferEvent(TransitionEvent):
    """One state change of a transfer (payments/state.py writes them), read-only under it in admin."""

    class Actor(models.TextChoices):
        SYSTEM = "system", _("系统")
        PROVIDER = "provider", _("微信支付")
        MERCHANT = "merchant", _("商家")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    transfer = models.ForeignKey(
        Transfer, on_delete=models.CASCADE, related_name="events", verbose_name=_("商家转账")
    )
    actor_kind = models.CharField(_("操作方"), max_length=16, choices=Actor.choices)
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16)
    message = models.CharField(_("原因"), max_length=255, blank=True)

    class Meta(TransitionEvent.Meta):
        verbose_name = _("转账状态变更")
        verbose_name_plural = _("转账状态变更")

    def __str__(self) -> str:
        return f"{self.state_label(self.from_state)} → {self.state_label(self.to_state)}"

    @staticmethod
    def state_label(value: str) -> str:
        return str(Transfer.State(value).label) if value in Transfer.State.values else "—"
