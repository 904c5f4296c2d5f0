#!/usr/bin/env python3
"""Graceful shutdown under load: SIGTERM while clients write. Requests already accepted
get their real answer, new connections are refused, the WAL is checkpointed, the exit
code is 0, and every acknowledged write is there after a restart."""
import os
import signal
import threading
import time

from harness import Server, fail, register_body, request

WRITERS = 16


def main():
    server = Server().start()
    acknowledged = set()
    outcomes = []  # (start time, end time, status or exception name)
    lock = threading.Lock()
    stop = threading.Event()

    def writer(index):
        n = 0
        while not stop.is_set():
            n += 1
            name = f"s{index}n{n}"
            started = time.monotonic()
            try:
                status, _ = request(server.port, "POST", "/api/v1/auth/register", register_body(name), timeout=10)
                outcome = status
                if status == 201:
                    with lock:
                        acknowledged.add(name)
            except OSError as error:
                outcome = type(error).__name__
            with lock:
                outcomes.append((started, time.monotonic(), outcome))
            if isinstance(outcome, str):
                time.sleep(0.01)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    sigterm_at = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    code = server.proc.wait(timeout=30)
    exited_at = time.monotonic()
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join()

    answered = [o for o in outcomes if not isinstance(o[2], str)]
    errors_5xx = [o for o in answered if o[2] >= 500]
    # A request begun well before the signal must have been answered for real.
    dropped = [o for o in outcomes if isinstance(o[2], str) and o[0] < sigterm_at - 0.1]
    late_answers = [o for o in answered if o[0] > exited_at]
    refused_after = [o for o in outcomes if isinstance(o[2], str) and o[0] >= exited_at]
    wal = server.db + "-wal"
    wal_size = os.path.getsize(wal) if not server.postgres and os.path.exists(wal) else 0
    print(f"shutdown under load: exit code {code}, {len(answered)} answered ({len(errors_5xx)} 5xx), "
          f"{len(dropped)} dropped before the signal, {len(refused_after)} refused after exit, "
          f"WAL {wal_size} bytes, shutdown took {exited_at - sigterm_at:.2f}s")
    if code != 0 or errors_5xx or dropped or late_answers or wal_size != 0:
        fail(f"dropped {dropped[:3]}, 5xx {errors_5xx[:3]}, late {late_answers[:3]}")
    if not refused_after:
        fail("no request was tried after the exit; the check proved nothing")

    server.start()
    con = server.connect_db()
    present = {row[0] for row in con.execute("SELECT username FROM users")}
    con.close()
    lost = acknowledged - present
    print(f"shutdown under load: {len(acknowledged)} acknowledged sign-ups, lost {len(lost)}")
    server.stop()
    if lost:
        fail(f"lost {sorted(lost)[:5]}")


if __name__ == "__main__":
    main()
