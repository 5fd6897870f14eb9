"""The local WeChat API simulator (``/wechat-sim/``), installed only when ``WECHAT_SIMULATOR`` is on."""
