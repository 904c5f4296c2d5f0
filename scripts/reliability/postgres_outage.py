#!/usr/bin/env python3
"""PostgreSQL goes away under load (stopped as by a power cut, no checkpoint) and comes
back: while it is away every request is answered 503 within a bounded time (no hang) and
/readyz says so; when it is back duka serves again by itself; every sign-up acknowledged
before, during or after is in the database. Needs DUKA_RELIABILITY_PG_DIR: the
scripts/pg-throwaway folder of the server in DUKA_RELIABILITY_PG."""
import os
import subprocess
import time

from harness import ROOT, Server, SignUpWriters, fail, request

BOUND = 3.0  # seconds: the longest a request may wait for an answer while the server is away


def throwaway(command):
    subprocess.run([os.path.join(ROOT, "scripts/pg-throwaway"), command, os.environ["DUKA_RELIABILITY_PG_DIR"]],
                   check=True, timeout=120)


def main():
    if not os.environ.get("DUKA_RELIABILITY_PG_DIR"):
        fail("DUKA_RELIABILITY_PG_DIR is not set")
    server = Server().start()
    writers = SignUpWriters(server.port, "o", timeout=30)
    time.sleep(1.0)
    crashed_at = time.monotonic()
    throwaway("crash")
    time.sleep(3.0)
    ready_while_down = request(server.port, "GET", "/readyz", timeout=30)[0]
    restarted_at = time.monotonic()
    throwaway("restart")
    back_after = None
    while time.monotonic() - restarted_at < 30:
        if request(server.port, "GET", "/readyz", timeout=30)[0] == 200:
            back_after = time.monotonic() - restarted_at
            break
        time.sleep(0.1)
    time.sleep(1.0)
    writers.stop()
    outcomes, acknowledged = writers.outcomes, writers.acknowledged

    during = [o for o in outcomes if crashed_at + 0.5 < o[0] < restarted_at]
    slow = [o for o in during if o[1] > BOUND]
    not_503 = [o for o in during if o[2] not in (503,)]
    after = [o for o in outcomes if back_after is not None and o[0] > restarted_at + back_after + 0.5]
    con = server.connect_db()
    present = {row[0] for row in con.execute("SELECT username FROM users")}
    lost = acknowledged - present
    print(f"postgres outage: {len(during)} requests while away (slowest {max((o[1] for o in during), default=0):.2f} s, "
          f"{len(not_503)} not 503), /readyz while away {ready_while_down}, serving again {back_after} s after the restart, "
          f"{len(after)} requests after ({sum(1 for o in after if o[2] == 201)} created), "
          f"{len(acknowledged)} acknowledged sign-ups, lost {len(lost)}")
    statuses = writers.statuses()
    print(f"postgres outage: statuses {statuses}, slowest {max(o[1] for o in outcomes):.2f} s")
    # Around the outage a request is created (201) or refused for now (503), never a 500.
    unexpected = {status: count for status, count in statuses.items() if status not in (201, 503)}
    if unexpected:
        fail(f"answers other than 201 or 503 around the outage: {unexpected}")
    try:
        server.stop(timeout=15)
    except Exception:
        server.kill9()
        fail("duka did not stop within 15 s of SIGTERM")
    if not during:
        fail("no request was made while the server was away")
    if slow or not_503:
        fail(f"slow {slow[:3]}, not 503 {not_503[:3]}")
    if ready_while_down != 503:
        fail(f"/readyz answered {ready_while_down} while PostgreSQL was away")
    if back_after is None or back_after > 10:
        fail(f"not serving again 10 s after PostgreSQL came back ({back_after})")
    if not any(o[2] == 201 for o in after):
        fail("no sign-up succeeded after the restart")
    if lost:
        fail(f"lost acknowledged sign-ups: {sorted(lost)[:5]}")


if __name__ == "__main__":
    main()
