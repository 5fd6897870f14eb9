"""The simulators' tests use the WeChat account and live-server fixtures of tests/wechat/."""

from tests.wechat.conftest import account, sim  # noqa: F401
