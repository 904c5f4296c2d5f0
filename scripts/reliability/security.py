#!/usr/bin/env python3
"""The attacks of the security pass (issue 13), against the real binary on loopback:
parallel logins against the throttle, 1 MiB usernames, chunked bodies, a trickled body
and head, file modes under umask 022, the bootstrap password, secret rotation. Each line
printed is one attack and what the server did; any other answer fails the check.

SECURITY_REPORT=1 runs every check even after a failure; SECURITY_OLD_FLAGS=1 starts the
server without the flags an older binary lacks (--request-timeout): together they fill the
before/after table of docs/RELIABILITY.md from an older build."""
import base64
import hashlib
import hmac
import json
import os
import re
import socket
import stat
import subprocess
import threading
import time

from harness import ADMIN_PASSWORD, Server, binary, fail, login, request, connect

REQUEST_TIMEOUT = 2
results = []


def note(name, outcome):
    results.append((name, outcome))
    print(f"security: {name}: {outcome}", flush=True)


def raw(port, payload, read_timeout=10):
    """Sends raw bytes; answers (status line, whole answer) or ('', b'') when just closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        s.sendall(payload)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length: *(\d+)", head)
                if length and len(body) >= int(length.group(1)):
                    break
        return data.split(b"\r\n", 1)[0].decode(errors="replace"), data
    except (ConnectionResetError, BrokenPipeError):
        return "", b""
    finally:
        s.close()


def read_until_closed(s):
    """What the server sends until it closes (or stops sending for the socket's timeout)."""
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return data


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def parallel_logins(server):
    request(server.port, "POST", "/api/v1/auth/register",
            {"username": "thr1", "email": "thr1@x.test", "password": "right-password", "full_name": "Throttle One",
             "phone_number": "+254700000001"})
    statuses = []
    lock = threading.Lock()
    barrier = threading.Barrier(39)

    def attempt(password, wait):
        if wait:
            barrier.wait()
        else:
            time.sleep(1.0)  # the right password comes last, once the guesses have taken their places
        status, _ = request(server.port, "POST", "/api/v1/auth/login", {"username": "thr1", "password": password})
        with lock:
            statuses.append((password, status))

    threads = [threading.Thread(target=attempt, args=("wrong-guess", True)) for _ in range(39)]
    threads.append(threading.Thread(target=attempt, args=("right-password", False)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked = [s for _, s in statuses].count(401)
    right = [s for p, s in statuses if p == "right-password"][0]
    note("39 wrong passwords for one account at the same moment, the right one last",
         f"{checked} checked, {[s for _, s in statuses].count(429)} got 429, the right one {right}")
    if checked > 5 or right != 429:
        fail(f"{checked} parallel guesses were checked (at most 5 may be); the right password got {right} (429 expected)")
    status, _ = request(server.port, "POST", "/api/v1/auth/login", {"username": "thr1@x.test", "password": "right-password"})
    note("then its email with the right password", status)
    if status != 429:
        fail(f"the email was checked again after its username's limit: {status}")


def huge_usernames(server):
    before = rss_kib(server.proc.pid)
    name = "u" * ((1 << 20) - 64)  # the whole body just under the 1 MiB limit
    statuses = set()
    for _ in range(90):
        statuses.add(request(server.port, "POST", "/api/v1/auth/login", {"username": name, "password": "x"})[0])
    grew = (rss_kib(server.proc.pid) - before) / 1024
    note("90 logins with 1 MiB usernames", f"answers {sorted(statuses)}, RSS grew {grew:.1f} MiB")
    if statuses != {400} or grew > 30:
        fail("1 MiB usernames were not refused, or were kept")


def chunked(server):
    def chunked_request(chunks):
        return (b"POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
    big = b"a" * ((1 << 20) + 1)
    line, answer = raw(server.port, chunked_request(b"%x\r\n" % len(big) + big + b"\r\n0\r\n\r\n"))
    note("chunked body of 1 MiB + 1 byte", line)
    if not line.startswith("HTTP/1.1 413") or b'"code":"payload_too_large"' not in answer:
        fail(f"an oversized chunked body was not 413 payload_too_large: {answer[:300]!r}")
    line, answer = raw(server.port, chunked_request(b"ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n"))
    note("chunk size ffffffffffffffffffff", line)
    if not line.startswith("HTTP/1.1 400") or b'"code":"bad_request"' not in answer:
        fail(f"a malformed chunk size was not 400 bad_request: {answer[:300]!r}")


def trickle(server, payload_head, payload_rest, what):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT + 10)
    started = time.monotonic()
    s.sendall(payload_head)
    answer = b""
    s.settimeout(0.5)
    for byte in payload_rest:
        try:
            s.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        except socket.timeout:
            pass
        except ConnectionResetError:
            break
        if time.monotonic() - started > REQUEST_TIMEOUT + 8:
            break
    s.settimeout(5)
    answer += read_until_closed(s)
    took = time.monotonic() - started
    line = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    note(f"{what} trickled a byte every 0.5 s", f"{line or 'closed'} after {took:.1f}s")
    if not line.startswith("HTTP/1.1 408") or took > REQUEST_TIMEOUT + 3:
        fail(f"a trickled {what} was not cut off with 408 near {REQUEST_TIMEOUT}s: {answer[:200]!r} after {took:.1f}s")


def pipelined(server):
    """A complete request, then in the same packet the start of one that never finishes:
    the first gets its own answer, the second its 408, in that order."""
    s = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT + 10)
    started = time.monotonic()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
              b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{")
    answer = read_until_closed(s)
    statuses = re.findall(rb"HTTP/1.1 (\d{3})", answer)
    note("a complete request pipelined with one that never finishes",
         f"answers {[int(x) for x in statuses]} after {time.monotonic() - started:.1f}s")
    if statuses != [b"200", b"408"]:
        fail(f"pipelined answers were {statuses}, expected 200 then 408")


def keep_alive_in_time(server):
    """On one connection: a quick request, a pause, then a slow but timely one. The clock
    of the first must not cut the second (each request has its own deadline)."""
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    first = s.recv(65536)
    time.sleep(REQUEST_TIMEOUT * 0.75)
    body = json.dumps({"username": "nobody-here", "password": "wrong-password"}).encode()
    s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
    time.sleep(REQUEST_TIMEOUT * 0.5)
    s.sendall(body[5:])
    second = s.recv(65536)
    s.close()
    statuses = re.findall(rb"HTTP/1.1 (\d{3})", first + second)
    note("a quick request, a pause, then a slow one within its time, on one connection", [int(x) for x in statuses])
    if statuses != [b"200", b"401"]:
        fail(f"a timely request on a kept-alive connection was cut off: {statuses}")


def file_modes():
    os.umask(0o022)
    server = Server().start()
    token = login(server.port, "admin")
    request(server.port, "POST", "/api/v1/auth/register",
            {"username": "modes", "email": "modes@x.test", "password": "modes-pass", "full_name": "M", "phone_number": "+254700000002"})
    modes = {suffix or "db": oct(mode(server.db + suffix)) for suffix in ("", "-wal", "-shm")}
    copy = os.path.join(server.dir, "copy.sqlite")
    subprocess.run([binary(), "backup", "--db", server.db, copy], check=True, capture_output=True)
    modes["backup"] = oct(mode(copy))
    note("files under umask 022", modes)
    if set(modes.values()) != {"0o600"}:
        fail(f"files readable by others: {modes}")
    server.stop()
    # An earlier version's 0644 file is tightened at start, and says so once.
    os.chmod(server.db, 0o644)
    server.start()
    server.stop()
    log = open(server.log.name, encoding="utf-8", errors="replace").read()
    note("a 0644 database at start", f"{oct(mode(server.db))}, logged: {'now 0600' in log}")
    if mode(server.db) != 0o600 or "now 0600" not in log:
        fail("a world-readable database was not tightened at start")
    os.chmod(server.db, 0o640)
    shared = Server(db=server.db, extra_args=["--allow-shared-file"]).start()
    shared.stop()
    note("a 0640 database with --allow-shared-file", oct(mode(server.db)))
    if mode(server.db) != 0o640:
        fail("--allow-shared-file changed the file's mode")
    del token


def bootstrap_password():
    directory = Server().dir
    db = os.path.join(directory, "fresh.sqlite")
    log_path = os.path.join(directory, "fresh.log")
    port = Server().port
    env = {k: v for k, v in os.environ.items() if k != "DUKA_ADMIN_PASSWORD"}
    env.update(DUKA_BCRYPT_COST="4", DUKA_LOG_LEVEL="info")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([binary(), "serve", "--db", db, "--port", str(port)], env=env, stdout=log, stderr=log)
        try:
            deadline = time.time() + 15
            while time.time() < deadline:
                try:
                    if request(port, "GET", "/healthz", timeout=1)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.05)
            password_file = db + ".admin-password"
            password = open(password_file).read().strip()
            text = open(log_path, encoding="utf-8", errors="replace").read()
            note("generated admin password", f"in {os.path.basename(password_file)} ({oct(mode(password_file))}), in the log: {password in text}")
            if password in text or mode(password_file) != 0o600:
                fail("the generated admin password reached the log, or its file is readable by others")
            if request(port, "POST", "/api/v1/auth/login", {"username": "admin", "password": password})[0] != 200:
                fail("the generated admin password does not log in")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(secret, claims):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), head.encode(), hashlib.sha256).digest()
    return head + "." + b64url(signature)


def signed_with(token, secret):
    head, _, signature = token.rpartition(".")
    return b64url(hmac.new(secret.encode(), head.encode(), hashlib.sha256).digest()) == signature


def rotate_secret(server):
    token = login(server.port, "admin")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    con = connect(server.db)
    old_secret = con.execute("SELECT value FROM settings WHERE key = 'jwt_secret'").fetchone()[0]
    con.close()
    forged = forge(old_secret, claims)
    if request(server.port, "GET", "/api/v1/auth/me", token=forged)[0] != 200:
        fail("the forging helper is wrong: a token it made with the current secret is refused")
    if server.postgres:
        base, _, query = server.db.partition("?")
        missing = base + "_typo" + ("?" + query if query else "")
    else:
        missing = os.path.join(server.dir, "typo.sqlite")
    typo = subprocess.run([binary(), "rotate-secret", "--db", missing], capture_output=True, text=True, timeout=30)
    if typo.returncode == 0 or (not server.postgres and os.path.exists(missing)):
        fail("rotate-secret on a mistyped path succeeded (or made a new file)")
    if not server.postgres:
        # A file that exists but holds no users (the wrong file) is refused as well.
        empty = os.path.join(server.dir, "empty.sqlite")
        open(empty, "wb").close()
        refused = subprocess.run([binary(), "rotate-secret", "--db", empty], capture_output=True, text=True, timeout=30)
        if refused.returncode == 0 or "has no users" not in refused.stderr:
            fail(f"rotate-secret on a file with no users was not refused: {refused.stderr}")
    result = subprocess.run([binary(), "rotate-secret", "--db", server.db], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        fail(f"rotate-secret failed: {result.stderr}")
    old = request(server.port, "GET", "/api/v1/auth/me", token=token)[0]
    con = connect(server.db)
    new_secret = con.execute("SELECT value FROM settings WHERE key = 'jwt_secret'").fetchone()[0]
    con.close()
    # The running server picks the new secret up within its 2 s poll.
    deadline = time.monotonic() + 15
    while True:
        fresh = login(server.port, "admin")
        claims = json.loads(base64.urlsafe_b64decode(fresh.split(".")[1] + "=="))
        if signed_with(fresh, new_secret) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    if not signed_with(fresh, new_secret):
        fail("the running server did not sign with the new secret within 15 s")
    forged_again = request(server.port, "GET", "/api/v1/auth/me", token=forge(old_secret, claims))[0]
    fresh_works = request(server.port, "GET", "/api/v1/auth/me", token=fresh)[0]
    note("duka rotate-secret while serving", f"old token {old}, token forged with the old secret {forged_again}, new login {fresh_works}")
    if old != 401 or forged_again != 401 or fresh_works != 200:
        fail("rotate-secret did not end the old sessions or the old secret")


def attempt(check, *args):
    """Runs one check. With SECURITY_REPORT=1 (for the before/after table of
    docs/RELIABILITY.md, e.g. against an older binary) a failure is printed and the
    next check runs; otherwise the first failure ends the run."""
    if os.environ.get("SECURITY_REPORT") != "1":
        check(*args)
        return True
    try:
        check(*args)
        return True
    except SystemExit:
        return False
    except Exception as error:  # an older binary may lack a flag or a command
        print(f"FAIL: {check.__name__}: {error!r}", flush=True)
        return False


def main():
    extra = [] if os.environ.get("SECURITY_OLD_FLAGS") == "1" else ["--request-timeout", str(REQUEST_TIMEOUT)]
    server = Server(extra_args=extra).start()
    body = json.dumps({"username": "slow", "password": "slow-password"}).encode()
    outcomes = [
        attempt(parallel_logins, server),
        attempt(huge_usernames, server),
        attempt(chunked, server),
        attempt(trickle, server, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n" % len(body), body, "body"),
        attempt(trickle, server, b"", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 40 + b"\r\n\r\n", "request head"),
        attempt(pipelined, server),
        attempt(keep_alive_in_time, server),
        attempt(rotate_secret, server),
    ]
    if request(server.port, "GET", "/healthz")[0] != 200:
        fail("the server stopped answering")
    server.stop()
    if not server.postgres:
        # Database files and the password file beside them: SQLite's alone.
        outcomes += [attempt(file_modes), attempt(bootstrap_password)]
    failed = outcomes.count(False)
    print(f"security: {len(outcomes) - failed} passed, {failed} failed")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
