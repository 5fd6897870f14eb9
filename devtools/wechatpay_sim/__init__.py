"""The local WeChat Pay APIv3 simulator (``/wechatpay-sim/``), installed only when
``WECHATPAY_SIMULATOR`` is on."""
