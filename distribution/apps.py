from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = _("分销")

    def ready(self) -> None:
        from accounts.ports import me_context_register
        from distribution import payouts, services, tasks, views  # noqa: F401  (tasks: the Celery task, for workers)
        from orders import events
        from orders.jobs import job_register
        from payments.ports import transfer_result_register

        events.register(services.distribution_order_event_listener, in_transaction=True)
        job_register("commissions_settle", services.commissions_settle_due_job)
        transfer_result_register(payouts.transfer_result_listener)
        me_context_register(views.member_centre_context)

        from distribution import privacy

        privacy.privacy_ready()  # docs/privacy.md
