# The shop's WeChat account and the local WeChat API simulator, as the wechat tests have them.
from tests.wechat.conftest import account, sim

__all__ = ["account", "sim"]
