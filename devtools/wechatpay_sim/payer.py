"""An openid for shoppers who signed in without WeChat (development login, phone code) and pay a
simulator-mode shop that has no official account to send them through: ``o-dev-<user pk>``. Only
the simulator accepts it. Registered last on payments' payer-identity port
(``WeChatPaySimConfig.ready()``), so it is asked only when WeChat itself has no answer."""

from __future__ import annotations

from payments.models import WeChatPayConfig

OPENID_SCENES = ("jsapi", "miniprogram")


class SimulatorStandIn:
    def openid(self, *, user, config: WeChatPayConfig, scene: str) -> str:
        if config.mode != WeChatPayConfig.Mode.SIMULATOR or not user.is_authenticated:
            return ""
        return f"o-dev-{user.pk}" if scene in OPENID_SCENES else ""

    def login_url(self, *, shop, next_path: str) -> str:
        return ""
