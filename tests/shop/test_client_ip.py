"""The client's address behind our reverse proxy: rate limits and WeChat Pay need the shopper's."""

from shop.h5 import client_ip


def test_direct_connections_use_the_socket_address(rf, settings):
    settings.BEHIND_PROXY = False
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "203.0.113.9"  # a client cannot claim an address without a proxy


def test_behind_the_proxy_the_entry_it_appended_counts(rf, settings):
    settings.BEHIND_PROXY = True
    spoofed = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_ip(spoofed) == "198.51.100.7"  # the first entry came from the client itself
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
