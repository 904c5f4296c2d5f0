#!/usr/bin/env python3
"""Online backup: `duka backup` while the server is writing gives a consistent copy; `duka
restore` refuses the live file while the server holds it, puts the copy in place once the
server is stopped, and `duka check` passes it; a duka started on the restored file finds
every write acknowledged before the backup began."""
import os
import subprocess
import threading
import time

from harness import Server, binary, customer_usernames, fail, integrity_ok, login, register_body, request


def main():
    server = Server().start()
    acknowledged = []  # (time acknowledged, username)
    lock = threading.Lock()
    stop = threading.Event()

    def writer(index):
        n = 0
        while not stop.is_set():
            n += 1
            name = f"b{index}n{n}"
            if request(server.port, "POST", "/api/v1/auth/register", register_body(name))[0] == 201:
                with lock:
                    acknowledged.append((time.monotonic(), name))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    copy = os.path.join(server.dir, "copy.sqlite")
    began = time.monotonic()
    result = subprocess.run([binary(), "backup", "--db", server.db, copy], capture_output=True, text=True, timeout=60)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    if result.returncode != 0:
        fail(f"duka backup failed: {result.stderr}")
    if subprocess.run([binary(), "backup", "--db", server.db, copy], capture_output=True).returncode == 0:
        fail("duka backup overwrote an existing file")
    held = subprocess.run([binary(), "restore", copy, "--db", server.db, "--force"], capture_output=True, text=True, timeout=60)
    if held.returncode != 1 or "running duka" not in held.stderr:
        fail(f"duka restore over the served file: exit {held.returncode}, {held.stderr.strip()}")
    server.stop()
    before = {name for at, name in acknowledged if at < began}
    if not integrity_ok(copy):
        fail("the copy fails integrity_check")
    refused = subprocess.run([binary(), "restore", copy, "--db", server.db], capture_output=True, text=True, timeout=60)
    if refused.returncode != 1 or "--force" not in refused.stderr:
        fail(f"duka restore over an existing file without --force: exit {refused.returncode}")
    put = subprocess.run([binary(), "restore", copy, "--db", server.db, "--force"], capture_output=True, text=True, timeout=120)
    if put.returncode != 0:
        fail(f"duka restore failed: {put.stderr.strip()}")
    checked = subprocess.run([binary(), "check", "--db", server.db], capture_output=True, text=True, timeout=120)
    if checked.returncode != 0:
        fail(f"duka check of the restored file: exit {checked.returncode}\n{checked.stdout}{checked.stderr}")

    restored = Server(db=server.db).start()
    found = customer_usernames(restored.port, login(restored.port, "admin"))
    restored.stop()
    missing = before - found
    print(f"backup: {result.stdout.strip()}; {len(before)} sign-ups acknowledged before it began, "
          f"{len(found)} in the restored copy, missing {len(missing)}")
    if missing:
        fail(f"missing {sorted(missing)[:5]}")


if __name__ == "__main__":
    main()
