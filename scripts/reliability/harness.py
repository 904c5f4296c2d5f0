"""Shared helpers for the reliability checks: start the real duka binary on loopback,
talk JSON to it over fresh connections, and read its database directly.

With DUKA_RELIABILITY_PG set to a PostgreSQL server's URL (run-all --postgres), each
Server gets a new database on that server instead of a SQLite file, and the checks read
it through psql."""
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

ADMIN_PASSWORD = "reliability-admin-pass"
POSTGRES = os.environ.get("DUKA_RELIABILITY_PG")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def binary():
    return os.environ.get("DUKA_BINARY", os.path.join(ROOT, ".build/debug/duka"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


_servers = []  # every Server of this check: fail() shows the end of their logs


class Server:
    """One duka process on a database file; restartable on the same file and port."""

    def __init__(self, db=None, port=None, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="duka-reliability-")
        self.db = db or (new_postgres_database() if POSTGRES else os.path.join(self.dir, "duka.sqlite"))
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.proc = None
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        _servers.append(self)

    def start(self, timeout=15):
        # The checks register hundreds of customers from one address: no registration limit here.
        env = dict(os.environ, DUKA_ADMIN_PASSWORD=ADMIN_PASSWORD, DUKA_BCRYPT_COST="4", DUKA_LOG_LEVEL=os.environ.get("DUKA_TEST_LOG_LEVEL", "warning"),
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
        return connect(self.db)

    @property
    def postgres(self):
        return is_postgres(self.db)


def is_postgres(db):
    return db.startswith("postgres://") or db.startswith("postgresql://")


def connect(db):
    """A DB-API-like connection to a SQLite file or a PostgreSQL URL."""
    return Psql(db) if is_postgres(db) else sqlite3.connect(db, timeout=10)


def new_postgres_database():
    """A new, empty database on the DUKA_RELIABILITY_PG server; answers its URL."""
    name = "duka_reliability_" + os.urandom(6).hex()
    Psql(POSTGRES).execute(f"CREATE DATABASE {name}")
    base, _, query = POSTGRES.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


class Psql:
    """Just enough of sqlite3's connection for the checks, through the psql client:
    `?` parameters are inlined as literals (the checks pass only ints and plain text)."""

    def __init__(self, url):
        self.url = url

    def execute(self, sql, params=()):
        parts = sql.split("?")
        assert len(parts) == len(params) + 1, sql
        text = parts[0]
        for value, part in zip(params, parts[1:]):
            text += (str(int(value)) if isinstance(value, (int, bool)) else "'" + str(value).replace("'", "''") + "'") + part
        result = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-F", "\x1f", "-R", "\x1e",
                                 "-d", self.url, "-c", text], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"psql: {result.stderr.strip()}")
        rows = []
        for line in result.stdout.rstrip("\n").split("\x1e"):
            line = line.strip("\n")
            if line == "":
                continue
            rows.append(tuple(int(v) if v.lstrip("-").isdigit() else (None if v == "" else v) for v in line.split("\x1f")))
        return _Rows(rows)

    def close(self):
        pass


class _Rows(list):
    def fetchone(self):
        return self[0] if self else None

    def fetchall(self):
        return list(self)


def request(port, method, path, body=None, token=None, timeout=30, csv=None):
    """One request on a new connection: (status, parsed JSON or None). `csv`: a text/csv body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    elif csv is not None:
        data = csv.encode()
        headers["Content-Type"] = "text/csv"
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
    sys.stdout.flush()
    print(f"FAIL: {message}", file=sys.stderr)
    # What duka logged (warnings and errors) is the first evidence of a rare failure in CI.
    for server in _servers:
        server.log.flush()
        with open(server.log.name, "rb") as log:
            tail = log.read().decode("utf-8", "replace").splitlines()[-30:]
        if tail:
            print(f"-- last lines of {server.log.name}:", file=sys.stderr)
            for line in tail:
                print(f"   {line[:400]}", file=sys.stderr)
    sys.exit(1)


def integrity_ok(path):
    if is_postgres(path):
        # PostgreSQL checks its own pages and keys; what it cannot break is checked here.
        con = Psql(path)
        return con.execute("SELECT COUNT(*) FROM cart_items WHERE cart_id NOT IN (SELECT id FROM carts)").fetchone()[0] == 0
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0] == "ok" and not con.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        con.close()


def customer_usernames(port, token):
    """Every customer's username, read page by page through /api/v1/users."""
    found = set()
    page = 1
    while True:
        status, body = request(port, "GET", f"/api/v1/users?role=customer&limit=100&page={page}", token=token)
        if status != 200:
            fail(f"listing the customers: {status}")
        found.update(user["username"] for user in body["data"]["users"])
        if page >= body["data"]["pagination"]["total_page"]:
            return found
        page += 1


class SignUpWriters:
    """`count` clients signing customers up on `port` until stop(): every outcome as
    (started, took, status or "connection"), and the names acknowledged with 201."""

    def __init__(self, port, prefix, count=6, timeout=30):
        self.port, self.prefix, self.timeout = port, prefix, timeout
        self.acknowledged = set()
        self.outcomes = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        # Daemon threads: a failed check ends at once instead of waiting for its writers.
        self.threads = [threading.Thread(target=self.write, args=(i,), daemon=True) for i in range(count)]
        for t in self.threads:
            t.start()

    def write(self, index):
        n = 0
        while not self.stopping.is_set():
            n += 1
            name = f"{self.prefix}{index}n{n}"
            started = time.monotonic()
            try:
                status, _ = request(self.port, "POST", "/api/v1/auth/register", register_body(name), timeout=self.timeout)
            except OSError:
                status = "connection"
            with self.lock:
                self.outcomes.append((started, time.monotonic() - started, status))
                if status == 201:
                    self.acknowledged.add(name)
            if status != 201:
                time.sleep(0.05)

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join()

    def statuses(self):
        counted = {}
        for o in self.outcomes:
            counted[o[2]] = counted.get(o[2], 0) + 1
        return counted
