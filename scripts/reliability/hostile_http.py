#!/usr/bin/env python3
"""Hostile HTTP against the real binary: oversized request lines and headers, a client
sending a byte a second, 500 idle connections, a body announced over the limit, and the
connection bound. The server must refuse or cut off each, and keep serving others."""
import socket
import time

from harness import Server, fail, request

IDLE_TIMEOUT = 2


def raw(port, payload, read_timeout=5):
    """Sends raw bytes; answers the status line received ('' when the server just closed)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        s.sendall(payload)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0].decode(errors="replace")
    except (ConnectionResetError, BrokenPipeError):
        return ""
    finally:
        s.close()


def healthy(port):
    started = time.monotonic()
    status, _ = request(port, "GET", "/healthz", timeout=10)
    return status == 200, time.monotonic() - started


def main():
    server = Server(extra_args=["--idle-timeout", str(IDLE_TIMEOUT), "--max-connections", "600"]).start()
    port = server.port
    results = {}

    line = raw(port, b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    results["100 KB request line"] = line or "closed"
    header = raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100_000 + b"\r\n\r\n")
    results["100 KB header"] = header or "closed"
    many = raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(500)) + b"\r\n")
    results["500 headers"] = many or "closed"
    for name, answer in list(results.items()):
        if answer.startswith("HTTP/1.1 2"):
            fail(f"{name} was served: {answer}")

    body = raw(port, b"POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 10485760\r\n\r\n{")
    results["10 MiB body announced, 1 byte sent"] = body
    if not body.startswith("HTTP/1.1 413"):
        fail(f"an oversized body was not refused at once: {body!r}")

    # A client that sends one byte a second is cut off by the idle timeout.
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    started = time.monotonic()
    cut_after = None
    for byte in b"GET /healthz HTTP/1.1\r\nHost: slow\r\n\r\n":
        try:
            s.sendall(bytes([byte]))
            s.settimeout(1.0)
            if s.recv(1) == b"":
                cut_after = time.monotonic() - started
                break
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            cut_after = time.monotonic() - started
            break
    s.close()
    results["slow client cut off after"] = f"{cut_after:.1f}s" if cut_after else "never"
    if cut_after is None or cut_after > IDLE_TIMEOUT + 3:
        fail(f"the slow client was not cut off (after {cut_after})")

    # 500 idle connections do not stop others being served.
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(500)]
    ok, took = healthy(port)
    results["with 500 idle connections, /healthz"] = f"{'ok' if ok else 'failed'} in {took * 1000:.0f} ms"
    for s in idle:
        s.close()
    if not ok or took > 1:
        fail("500 idle connections starved the server")
    server.stop()

    # The bound: with every slot held, a new client waits until the idle ones are cut off.
    bounded = Server(extra_args=["--idle-timeout", str(IDLE_TIMEOUT), "--max-connections", "20"]).start()
    time.sleep(0.2)
    held = [socket.create_connection(("127.0.0.1", bounded.port)) for _ in range(20)]
    time.sleep(0.2)
    ok, took = healthy(bounded.port)
    for s in held:
        s.close()
    results["21st connection with 20 allowed, served after"] = f"{took:.1f}s"
    if not ok or took < IDLE_TIMEOUT - 0.5:
        fail(f"the connection bound did not hold (served after {took:.2f}s)")
    ok, took = healthy(bounded.port)
    if not ok or took > 1:
        fail("not serving after the bound was released")
    bounded.stop()

    for name, answer in results.items():
        print(f"hostile http: {name}: {answer}")


if __name__ == "__main__":
    main()
