"""The simulators' tests use the WeChat account and live-server fixtures of tests/wechat/, and the
WeChat Pay merchant account of tests/payments/."""

from tests.payments.conftest import pay_config  # noqa: F401
from tests.wechat.conftest import account, sim  # noqa: F401
