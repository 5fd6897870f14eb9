"""Development tools: ``make run``'s launcher (run.py) and the local simulators of WeChat's servers
(``wechat_sim``, ``wechatpay_sim``). Nothing in production imports this package: config installs
and routes a simulator only when its setting (``WECHAT_SIMULATOR``, ``WECHATPAY_SIMULATOR``) is on."""
