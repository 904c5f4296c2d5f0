#!/usr/bin/env python3
"""Fuzzing with schemathesis (PyPI) against /openapi.json of the real binary on the demo
database, once with a valid token of each role: every operation, a bounded number of
examples. Fails on any 5xx or any answer that breaks its documented status, content
type or schema."""
import os
import re
import subprocess
import sys

from harness import Server, fail, login

ROLES = {"admin": "duka-admin-demo", "manager": "duka-manager-demo", "cashier": "duka-cashier-demo",
         "employee": "duka-employee-demo", "customer": "duka-customer-demo"}
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def main():
    try:
        import schemathesis  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "schemathesis>=4,<5"], check=True)
    examples = os.environ.get("DUKA_FUZZ_EXAMPLES", "15")
    seed = os.environ.get("DUKA_FUZZ_SEED", "20261126")
    totals = {"generated": 0, "passed": 0}
    failed_roles = []
    for role, password in ROLES.items():
        for attempt in (1, 2, 3):
            # The retries run one worker: the crash below needs schemathesis's threads.
            output, code, generated, passed, server_errors = run_role(role, password, examples, seed, workers=2 if attempt == 1 else 1)
            # schemathesis itself crashed (a Python-level "Runtime Error", e.g. CPython's
            # "AST constructor recursion depth mismatch" under its worker threads) with
            # every case passed and no 5xx: not a finding of Duka's; that role runs again.
            tool_crash = code != 0 and generated == passed and server_errors == 0 and (
                "Runtime Error" in output or "recursion depth mismatch" in output)
            if not (tool_crash and attempt < 3):
                break
            print(f"fuzz as {role}: schemathesis crashed on its own (no case failed); running it again")
        totals["generated"] += generated
        totals["passed"] += passed
        print(f"fuzz as {role}: {generated} cases, {passed} passed, {generated - passed} failed, "
              f"5xx findings {server_errors}, exit {code}")
        if code != 0 or generated == 0:
            failed_roles.append(role)
            print(output[-6000:])
    print(f"fuzz: {totals['generated']} cases over {len(ROLES)} roles, {totals['generated'] - totals['passed']} failed")
    if failed_roles:
        fail(f"schemathesis failed for {failed_roles}")


def run_role(role, password, examples, seed, workers=2):
    """One schemathesis run with `role`'s token on a fresh demo shop: (output, exit code,
    cases generated, cases passed, 5xx findings)."""
    server = Server(extra_args=["--demo"]).start()  # a fresh shop for each role
    token = login(server.port, role, password)
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"http://127.0.0.1:{server.port}/openapi.json",
         "-H", f"Authorization: Bearer {token}", "--exclude-path", "/api/v1/auth/logout",
         "--checks", CHECKS, "--max-examples", examples, "--seed", seed, "--workers", str(workers),
         "--request-timeout", "10",
         # A generator's own health check (too many drawn values filtered out by the
         # schema), not a finding about the server: it failed once, at random, in CI.
         "--suppress-health-check=filter_too_much"],
        capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    server.stop()
    match = re.search(r"(\d+) generated, (\d+) passed", output)
    generated, passed = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    return output, result.returncode, generated, passed, len(re.findall(r"Server error", output))


if __name__ == "__main__":
    main()
