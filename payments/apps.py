from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("支付")

    def ready(self) -> None:
        from orders import jobs, ports
        from payments import services, transfers
        from payments.ports import PaymentsRefundGateway, payment_checkout_guard

        ports.refund_gateway_register(PaymentsRefundGateway())
        ports.checkout_guard_register(payment_checkout_guard)

        jobs.job_register(
            "reconcile_payments", services.payments_reconcile, first=True
        )  # a paid order must not expire
        jobs.job_register("close_abandoned_payments", services.payments_close_abandoned)
        jobs.job_register("sync_transfers", transfers.transfers_sync)  # 商家转账 left unsettled

        from payments import privacy

        privacy.privacy_ready()  # docs/privacy.md
