from tests.payments.conftest import pay_config  # noqa: F401  (a simulator-mode WeChat Pay account, for test_wechatpay.py)
