"""Open WebUI stand-in for integration tests.

Reads the Redis-related environment the way Open WebUI does, talks to the
server with redis-py (Open WebUI's client) and reports over HTTP:

  GET /health  200 {"status": true} while the last check passed and is not
               older than STANDIN_STALE_AFTER seconds, else 503 {"status": false}
  GET /report  the last check as JSON (host/port/db of each URL, ok flags,
               "healthy", "stale", "age_seconds", "error", "failed_step")

The check (every STANDIN_CHECK_INTERVAL seconds, default 5):
  1. PING through the REDIS_URL client
  2. SET/GET of "<REDIS_KEY_PREFIX>:standin:check" in REDIS_URL's db
  3. through the WEBSOCKET_REDIS_URL client, SUBSCRIBE to "socketio",
     PUBLISH a message and receive it (as the websocket manager does)

Each step is logged as one line; passwords and full URLs are never logged.
"""

import json
import os
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import redis

CHANNEL = "socketio"
PORT = int(os.environ.get("PORT", "8080"))
CHECK_INTERVAL = float(os.environ.get("STANDIN_CHECK_INTERVAL", "5"))
PUBSUB_TIMEOUT = 5.0
# A check that has not finished for this long makes /health fail even if the
# previous one passed: without a connect timeout (Open WebUI sets none unless
# REDIS_SOCKET_CONNECT_TIMEOUT is given) a vanished server can hang a check.
STALE_AFTER = float(os.environ.get("STANDIN_STALE_AFTER", str(max(15.0, 3 * CHECK_INTERVAL))))


def log(line):
    print(f"standin: {line}", flush=True)


def env_bool(name, default=False):
    value = os.environ.get(name, "")
    if value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def describe_url(url):
    """Where a URL points, without its credentials."""
    if not url:
        return None
    parts = urlsplit(url)
    db = 0
    path = parts.path.lstrip("/")
    if path:
        try:
            db = int(path)
        except ValueError:
            db = path
    try:
        port = parts.port or 6379
    except ValueError:
        port = None
    return {
        "scheme": parts.scheme,
        "host": parts.hostname,
        "port": port,
        "db": db,
        "username_set": bool(parts.username),
        "password_set": parts.password is not None and parts.password != "",
    }


def secrets_of(*urls):
    out = set()
    for url in urls:
        if not url:
            continue
        parts = urlsplit(url)
        for value in (parts.password, parts.username):
            if value:
                out.add(value)
                out.add(unquote(value))
        out.add(url)
    return sorted(out, key=len, reverse=True)


class Config:
    def __init__(self):
        self.redis_url = os.environ.get("REDIS_URL", "")
        # Open WebUI: WEBSOCKET_REDIS_URL falls back to REDIS_URL.
        self.ws_url = os.environ.get("WEBSOCKET_REDIS_URL", "") or self.redis_url
        self.prefix = os.environ.get("REDIS_KEY_PREFIX", "") or "open-webui"
        interval = os.environ.get("REDIS_HEALTH_CHECK_INTERVAL", "").strip()
        try:
            self.health_check_interval = int(interval) if interval else None
        except ValueError:
            self.health_check_interval = None  # Open WebUI ignores a bad value too
        self.socket_keepalive = env_bool("REDIS_SOCKET_KEEPALIVE")
        timeout = os.environ.get("REDIS_SOCKET_CONNECT_TIMEOUT", "").strip()
        try:
            self.connect_timeout = float(timeout) if timeout else None
        except ValueError:
            self.connect_timeout = None
        self.secrets = secrets_of(self.redis_url, self.ws_url)
        # A bad value is reported by every check (503) instead of crashing,
        # so a test can read the reason from /report.
        self.error = None
        self.ws_options = {"socket_timeout": None}
        raw = os.environ.get("WEBSOCKET_REDIS_OPTIONS", "").strip()
        try:
            if raw:
                self.ws_options = json.loads(raw)
                if not isinstance(self.ws_options, dict):
                    raise ValueError("WEBSOCKET_REDIS_OPTIONS must be a JSON object")
        except ValueError as exc:
            self.error = f"WEBSOCKET_REDIS_OPTIONS: {exc}"

    def scrub(self, text):
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def check_url(name, url):
    if not url:
        raise ValueError(f"{name} is not set")
    scheme = urlsplit(url).scheme
    if scheme == "valkey":
        # Open WebUI has no valkey:// form for its Redis variables.
        raise ValueError(f"{name} uses valkey://; Valkey speaks the Redis protocol, use redis:// (or rediss://)")
    if scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"{name} has scheme {scheme!r}; expected redis:// or rediss://")


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.report = {"ok": False, "checks": 0, "error": "no check has run yet"}
        self.done_at = time.monotonic()

    def set(self, report):
        with self.lock:
            self.report = report
            self.done_at = time.monotonic()

    def get(self):
        with self.lock:
            report = dict(self.report)
            age = time.monotonic() - self.done_at
        report["age_seconds"] = round(age, 1)
        report["stale"] = age > STALE_AFTER
        report["healthy"] = bool(report.get("ok")) and not report["stale"]
        return report


def run_check(cfg, clients, n):
    report = {
        "ok": False,
        "checks": n,
        "checked_at": time.time(),
        "redis": describe_url(cfg.redis_url),
        "websocket_redis": describe_url(cfg.ws_url),
        "key_prefix": cfg.prefix,
        "key": f"{cfg.prefix}:standin:check",
        "channel": CHANNEL,
        "health_check_interval": cfg.health_check_interval,
        "socket_connect_timeout": cfg.connect_timeout,
        "socket_keepalive": cfg.socket_keepalive,
        "websocket_options": cfg.ws_options,
        "ping_ok": False,
        "key_ok": False,
        "pubsub_ok": False,
        "error": None,
        "failed_step": None,
    }
    step = "config"
    try:
        if cfg.error:
            raise ValueError(cfg.error)
        check_url("REDIS_URL", cfg.redis_url)
        check_url("WEBSOCKET_REDIS_URL", cfg.ws_url)
        if "main" not in clients:
            kwargs = {"decode_responses": True, "socket_keepalive": cfg.socket_keepalive}
            if cfg.health_check_interval:
                kwargs["health_check_interval"] = cfg.health_check_interval
            if cfg.connect_timeout is not None:
                kwargs["socket_connect_timeout"] = cfg.connect_timeout
            clients["main"] = redis.Redis.from_url(cfg.redis_url, **kwargs)
            clients["ws"] = redis.Redis.from_url(cfg.ws_url, **cfg.ws_options)
        main, ws = clients["main"], clients["ws"]

        step = "ping"
        if main.ping() is not True:
            raise RuntimeError("PING did not answer PONG")
        report["ping_ok"] = True
        log("ping ok")

        step = "key"
        token = uuid.uuid4().hex
        main.set(report["key"], token, ex=60)
        got = main.get(report["key"])
        if got != token:
            raise RuntimeError(f"read back {got!r}, wrote {token!r}")
        report["key_ok"] = True
        log(f"key ok db={report['redis']['db']} prefix={cfg.prefix}")

        step = "pubsub"
        pubsub = ws.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(CHANNEL)
            payload = f"standin-check {uuid.uuid4().hex}"
            ws.publish(CHANNEL, payload)
            deadline = time.monotonic() + PUBSUB_TIMEOUT
            received = False
            # Other publishers (other instances of one deployment) share the
            # channel on purpose: wait for our own message.
            while time.monotonic() < deadline:
                msg = pubsub.get_message(timeout=0.5)
                if not msg:
                    continue
                data = msg.get("data")
                if isinstance(data, bytes):
                    data = data.decode("utf-8", "replace")
                if data == payload:
                    received = True
                    break
            if not received:
                raise RuntimeError(f"published on {CHANNEL!r} but received nothing within {PUBSUB_TIMEOUT:.0f}s")
        finally:
            pubsub.close()
        report["pubsub_ok"] = True
        log(f"pubsub ok channel={CHANNEL}")
        report["ok"] = True
    except Exception as exc:  # every failure becomes a report, never a crash
        message = cfg.scrub(f"{type(exc).__name__}: {exc}")
        report["error"] = message
        report["failed_step"] = step
        log(f"FAILED {step}: {message}")
        # redis-py reconnects by itself on the next round.
    return report


def checker(cfg, state, stop):
    clients = {}
    n = 0
    while not stop.is_set():
        n += 1
        state.set(run_check(cfg, clients, n))
        stop.wait(CHECK_INTERVAL)


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        def _send(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            report = state.get()
            if path == "/health":
                if report["healthy"]:
                    self._send(200, {"status": True})
                else:
                    self._send(503, {"status": False})
            elif path == "/report":
                self._send(200, report)
            else:
                self._send(404, {"detail": "Not Found"})

        def log_message(self, fmt, *args):
            pass  # health probes every few seconds would drown the check lines

    return Handler


def main():
    cfg = Config()
    r, w = describe_url(cfg.redis_url), describe_url(cfg.ws_url)
    where = lambda d: f"{d['host']}:{d['port']}/{d['db']}" if d else "unset"
    log(f"config redis={where(r)} websocket={where(w)} prefix={cfg.prefix}")

    state = State()
    stop = threading.Event()
    server = ThreadingHTTPServer(("0.0.0.0", PORT), make_handler(state))
    server.daemon_threads = True

    def shutdown(signum, frame):
        # The line the engine tests look for: the signal reached the server itself (PID 1).
        log(f"received {signal.Signals(signum).name} as pid {os.getpid()}; shutting down")
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    # As PID 1 Python would otherwise ignore `docker stop`'s SIGTERM.
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)

    threading.Thread(target=checker, args=(cfg, state, stop), daemon=True).start()
    log(f"listening on 0.0.0.0:{PORT}")
    server.serve_forever()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
