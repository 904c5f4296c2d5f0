"""Shared helpers for the reliability checks: start the real duka binary on loopback,
talk JSON to it over fresh connections, and read its database file directly."""
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

ADMIN_PASSWORD = "reliability-admin-pass"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def binary():
    return os.environ.get("DUKA_BINARY", os.path.join(ROOT, ".build/debug/duka"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """One duka process on a database file; restartable on the same file and port."""

    def __init__(self, db=None, port=None, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="duka-reliability-")
        self.db = db or os.path.join(self.dir, "duka.sqlite")
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.proc = None
        self.log = open(os.path.join(self.dir, "server.log"), "ab")

    def start(self, timeout=15):
        # The checks register hundreds of customers from one address: no registration limit here.
        env = dict(os.environ, DUKA_ADMIN_PASSWORD=ADMIN_PASSWORD, DUKA_BCRYPT_COST="4", DUKA_LOG_LEVEL="warning",
                   DUKA_REGISTRATION_LIMIT="1000000")
        self.proc = subprocess.Popen([binary(), "serve", "--db", self.db, "--port", str(self.port)] + self.extra_args,
                                     env=env, stdout=self.log, stderr=self.log)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                fail(f"duka exited with {self.proc.returncode} at start; see {self.log.name}")
            try:
                if request(self.port, "GET", "/healthz", timeout=1)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.05)
        fail("duka did not answer /healthz in time")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)

    def connect_db(self):
        return sqlite3.connect(self.db, timeout=10)


def request(port, method, path, body=None, token=None, timeout=30):
    """One request on a new connection: (status, parsed JSON or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return response.status, parsed
    finally:
        conn.close()


def login(port, username, password=ADMIN_PASSWORD):
    status, body = request(port, "POST", "/api/v1/auth/login", {"username": username, "password": password})
    if status != 200:
        fail(f"login of {username} failed: {status} {body}")
    return body["data"]["access_token"]


def register_body(username):
    return {"username": username, "email": f"{username}@example.co.ke", "password": "customer-pass",
            "full_name": "Reliability Customer", "phone_number": "+254700123456"}


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def integrity_ok(path):
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0] == "ok" and not con.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        con.close()
