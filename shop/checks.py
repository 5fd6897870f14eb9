"""System checks of our own: ``manage.py check --deploy`` warns while a simulator is on, and the
start-up log says so loudly, so that a production server never simulates payments by accident."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import checks

logger = logging.getLogger("weishop")

SIMULATORS = {
    "WECHATPAY_SIMULATOR": "WeChat Pay is SIMULATED: no real money moves (/wechatpay-sim/ is mounted)",
    "WECHAT_SIMULATOR": "the WeChat API is SIMULATED: logins and messages never reach WeChat (/wechat-sim/ is mounted)",
}


def simulators_on() -> list[str]:
    return [name for name in SIMULATORS if getattr(settings, name, False)]


@checks.register(checks.Tags.security, deploy=True)
def check_simulators(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Warning(
            f"{name} is on: {SIMULATORS[name]}.",
            hint=f"Set {name}=0 in production (docs/deployment.md).",
            id=f"weishop.W00{index}",
        )
        for index, name in enumerate(simulators_on(), start=1)
    ]


def announce_simulators() -> None:
    """Called once at start-up (ShopConfig.ready): a loud line per simulator that is on with DEBUG
    off, where it would be a mistake unless it is a demo on purpose."""
    if settings.DEBUG:
        return
    for name in simulators_on():
        logger.warning("!!! %s=1: %s. Never in production. !!!", name, SIMULATORS[name])
