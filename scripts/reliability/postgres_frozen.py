#!/usr/bin/env python3
"""Duka's pooled connections to PostgreSQL go silent (a firewall or NAT drops their flows:
no reset, no close, answers lost on the way) while the server itself still takes new
connections. Every request caught on a silent connection is answered 503 within the
pool's work limit (PGPool.workLimit, 25 s) instead of hanging until its client gives up;
the silent connections are dropped, new ones serve again, and no acknowledged sign-up is
lost. Duka reaches the server through a TCP relay in this script that can go silent."""
import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

from harness import POSTGRES, Psql, Server, SignUpWriters, fail, new_postgres_database

WORK_LIMIT = 25.0
SLACK = 3.0  # the watch looks every 0.1 s; a loaded machine answers late


class Relay:
    """Forwards TCP connections to (host, port). silence() makes every connection open at
    that moment drop what it carries from then on, both ways, and keep its sockets open."""

    def __init__(self, host, port):
        self.upstream = (host, port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.pairs = []
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.listener.accept()
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            pair = {"silent": False}
            with self.lock:
                self.pairs.append(pair)
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self.pump, args=(source, target, pair), daemon=True).start()

    @staticmethod
    def pump(source, target, pair):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if not pair["silent"]:
                    target.sendall(data)
        except OSError:
            pass
        # One side closed: close both (a silent pair too: Duka gave the connection up).
        for s in (source, target):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def silence(self):
        with self.lock:
            for pair in self.pairs:
                pair["silent"] = True
            return len(self.pairs)


def main():
    if not POSTGRES:
        print("postgres frozen: skipped (no DUKA_RELIABILITY_PG)")
        return
    database = urlsplit(new_postgres_database())
    relay = Relay(database.hostname, database.port or 5432)
    netloc = database.netloc.rsplit("@", 1)
    netloc = (netloc[0] + "@" if len(netloc) == 2 else "") + f"127.0.0.1:{relay.port}"
    server = Server(db=urlunsplit(database._replace(netloc=netloc))).start()
    direct = urlunsplit(database)

    writers = SignUpWriters(server.port, "f", timeout=60)
    time.sleep(2.0)
    silenced_at = time.monotonic()
    silenced = relay.silence()
    time.sleep(WORK_LIMIT + SLACK + 3.0)
    writers.stop()
    outcomes, acknowledged = writers.outcomes, writers.acknowledged

    statuses = writers.statuses()
    caught = [o for o in outcomes if o[0] < silenced_at + 0.5 and o[0] + o[1] > silenced_at + 1.0]
    after = [o for o in outcomes if o[0] > silenced_at + WORK_LIMIT + SLACK]
    slowest = max(o[1] for o in outcomes)
    present = {row[0] for row in Psql(direct).execute("SELECT username FROM users")}
    lost = acknowledged - present
    print(f"postgres frozen: {silenced} connections went silent, {len(caught)} requests caught on them "
          f"(answers {sorted({o[2] for o in caught}, key=str)}, slowest {slowest:.1f} s), "
          f"{sum(1 for o in after if o[2] == 201)} of {len(after)} sign-ups created afterwards, "
          f"statuses {statuses}, {len(acknowledged)} acknowledged, lost {len(lost)}")
    if not caught:
        fail("no request was caught on a silent connection")
    if slowest > WORK_LIMIT + SLACK:
        fail(f"a request took {slowest:.1f} s (limit {WORK_LIMIT} s + {SLACK} s)")
    unexpected = {s: c for s, c in statuses.items() if s not in (201, 503)}
    if unexpected:
        fail(f"answers other than 201 or 503: {unexpected}")
    if not after or not all(o[2] == 201 for o in after):
        fail(f"not serving again after the silent connections were given up: {[o[2] for o in after][:10]}")
    if lost:
        fail(f"lost acknowledged sign-ups: {sorted(lost)[:5]}")
    server.stop(timeout=15)


if __name__ == "__main__":
    main()
