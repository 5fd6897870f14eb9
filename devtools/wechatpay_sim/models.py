"""What the local WeChat Pay simulator remembers: its platform key, and WeChat's side of each
prepay and refund. Development data only: these tables exist only where the simulator is installed
(``WECHATPAY_SIMULATOR``), never in production."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField


class SimulatorKey(models.Model):
    """The local WeChat Pay simulator's platform key (one per database, made on first use)."""

    private_key_pem = EncryptedTextField(_("私钥（PEM）"))
    public_key_id = models.CharField(_("公钥 ID"), max_length=64, unique=True)
    certificate_serial = models.CharField(_("证书序列号"), max_length=64)
    certificate_pem = models.TextField(_("证书（PEM）"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("支付模拟器密钥")
        verbose_name_plural = _("支付模拟器密钥")

    def __str__(self) -> str:
        return self.public_key_id


class SimulatedTransaction(models.Model):
    """What the local simulator remembers of a prepay (WeChat's side of a payment)."""

    mchid = models.CharField(_("商户号"), max_length=32)
    appid = models.CharField(_("AppID"), max_length=32)
    out_trade_no = models.CharField(_("商户订单号"), max_length=32)
    prepay_id = models.CharField(_("预支付 ID"), max_length=64, unique=True)
    trade_type = models.CharField(_("交易类型"), max_length=16)
    description = models.CharField(_("商品描述"), max_length=127)
    amount_fen = models.PositiveIntegerField(_("金额（分）"))
    notify_url = models.CharField(_("通知地址"), max_length=255)
    payer_openid = models.CharField(_("付款人 OpenID"), max_length=64, blank=True)
    trade_state = models.CharField(_("交易状态"), max_length=16, default="NOTPAY")
    transaction_id = models.CharField(_("微信支付单号"), max_length=64, blank=True)
    success_time = models.DateTimeField(_("支付时间"), null=True, blank=True)
    refunded_fen = models.PositiveIntegerField(_("已退款（分）"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("模拟交易")
        verbose_name_plural = _("模拟交易")
        constraints = [
            models.UniqueConstraint(fields=["mchid", "out_trade_no"], name="wechatpay_sim_transaction_unique")
        ]

    def __str__(self) -> str:
        return self.out_trade_no


class SimulatedRefund(models.Model):
    """What the local simulator remembers of a refund (answers the refund query)."""

    mchid = models.CharField(_("商户号"), max_length=32)
    out_refund_no = models.CharField(_("商户退款单号"), max_length=64)
    out_trade_no = models.CharField(_("商户订单号"), max_length=32)
    refund_id = models.CharField(_("微信退款单号"), max_length=64)
    amount_fen = models.PositiveIntegerField(_("退款金额（分）"))
    total_fen = models.PositiveIntegerField(_("订单金额（分）"))
    status = models.CharField(_("状态"), max_length=16, default="SUCCESS")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("模拟退款")
        verbose_name_plural = _("模拟退款")
        constraints = [
            models.UniqueConstraint(fields=["mchid", "out_refund_no"], name="wechatpay_sim_refund_unique")
        ]

    def __str__(self) -> str:
        return gettext("模拟退款 %(no)s") % {"no": self.out_refund_no}


class SimulatedTransfer(models.Model):
    """What the local simulator remembers of a 商家转账 bill (WeChat's side of a transfer)."""

    mchid = models.CharField(_("商户号"), max_length=32)
    appid = models.CharField(_("AppID"), max_length=32)
    out_bill_no = models.CharField(_("商户单号"), max_length=32)
    transfer_bill_no = models.CharField(_("微信转账单号"), max_length=64, unique=True)
    scene_id = models.CharField(_("转账场景 ID"), max_length=16)
    openid = models.CharField(_("收款用户 OpenID"), max_length=64)
    amount_fen = models.PositiveIntegerField(_("转账金额（分）"))
    remark = models.CharField(_("转账备注"), max_length=32)
    has_user_name = models.BooleanField(_("带收款用户姓名"), default=False)
    notify_url = models.CharField(_("通知地址"), max_length=255, blank=True)
    state = models.CharField(_("状态"), max_length=24, default="WAIT_USER_CONFIRM")
    fail_reason = models.CharField(_("失败原因"), max_length=64, blank=True)
    package_info = models.CharField(_("package_info"), max_length=128, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("模拟商家转账")
        verbose_name_plural = _("模拟商家转账")
        constraints = [
            models.UniqueConstraint(fields=["mchid", "out_bill_no"], name="wechatpay_sim_transfer_unique")
        ]

    def __str__(self) -> str:
        return gettext("模拟转账 %(no)s") % {"no": self.out_bill_no}


class SimulatorSwitch(models.Model):
    """A test's hand on WeChat's side of a merchant account (tests/devtools/hooks.py): the next
    transfer fails, the next request is refused, the operating account's balance."""

    mchid = models.CharField(_("商户号"), max_length=32)
    kind = models.CharField(_("类型"), max_length=32)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("模拟器开关")
        verbose_name_plural = _("模拟器开关")
        constraints = [models.UniqueConstraint(fields=["mchid", "kind"], name="wechatpay_sim_switch_unique")]

    def __str__(self) -> str:
        return f"{self.mchid} · {self.kind}"
