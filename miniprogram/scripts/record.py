#!/usr/bin/env python3
"""Record an API answer from a running WeiShop server as a page-test fixture.

    python miniprogram/scripts/record.py --base http://127.0.0.1:8000 NAME METHOD PATH [JSON_BODY]
        [--login USER] [--header 'Name: value'] [--file FIELD=PATH]

writes ``miniprogram/test/fixtures/NAME.json`` = ``{"request": {"method", "path", "body"},
"status", "body"}``. ``PATH`` is under ``/api/v1`` (e.g. ``/shops/demo/products/``). ``--login USER``
signs in first as the WeChat simulator's user USER (``wx.login`` on the simulator's device endpoint,
then ``POST /auth/miniprogram``) and sends the token. ``--file FIELD=PATH`` sends the request as
``multipart/form-data`` with that file (what ``wx.uploadFile`` sends; the JSON body's keys become
form fields); the fixture's ``body`` is then the form fields. The server must run with the WeChat simulator
on (``make run`` does). ``tests/miniprogram/test_fixtures.py`` checks every fixture still has the
shape the API answers. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "test" / "fixtures"


def call(
    base: str, method: str, path: str, body: object = None, headers: dict | None = None
) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310 (a local server)
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:  # noqa: S310 (a local server)
            raw = res.read()
            status = res.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def multipart(fields: dict, files: list[tuple[str, Path]]) -> tuple[bytes, str]:
    boundary = "----weishop-record-boundary"
    out = b""
    for key, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
    for field, path in files:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{path.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        out += path.read_bytes() + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def call_multipart(
    base: str, path: str, fields: dict, files: list[tuple[str, Path]], headers: dict
) -> tuple[int, object]:
    data, content_type = multipart(fields, files)
    req = urllib.request.Request(base + path, data=data, method="POST")  # noqa: S310 (a local server)
    req.add_header("Content-Type", content_type)
    for k, v in headers.items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:  # noqa: S310 (a local server)
            raw, status = res.read(), res.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def login(base: str, shop: str, user: str, appid: str) -> str:
    status, body = call(base, "GET", f"/wechat-sim/device/login?appid={appid}&user={user}")
    if status != 200 or not isinstance(body, dict) or "code" not in body:
        sys.exit(f"simulator wx.login failed: {status} {body}")
    status, answer = call(base, "POST", "/api/v1/auth/miniprogram", {"shop": shop, "code": body["code"]})
    if status != 200:
        sys.exit(f"/auth/miniprogram failed: {status} {answer}")
    return answer["token"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("name")
    parser.add_argument("method")
    parser.add_argument("path")
    parser.add_argument("body", nargs="?")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--shop", default="demo")
    parser.add_argument("--login", metavar="USER")
    parser.add_argument(
        "--appid",
        default="wxmini00000000001",
        help="the shop's mini-program appid (the demo shop's by default)",
    )
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--file", action="append", default=[], metavar="FIELD=PATH")
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    if args.login:
        headers["Authorization"] = f"Token {login(args.base, args.shop, args.login, args.appid)}"
    body = json.loads(args.body) if args.body else None
    if args.file:
        files = [(f.split("=", 1)[0], Path(f.split("=", 1)[1])) for f in args.file]
        status, answer = call_multipart(args.base, "/api/v1" + args.path, body or {}, files, headers)
    else:
        status, answer = call(args.base, args.method.upper(), "/api/v1" + args.path, body, headers)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    out = FIXTURES / f"{args.name}.json"
    record = {
        "request": {"method": args.method.upper(), "path": args.path, "body": body},
        "status": status,
        "body": answer,
    }
    out.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}: {status}")


if __name__ == "__main__":
    main()
