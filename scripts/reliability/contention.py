#!/usr/bin/env python3
"""Contention: many concurrent writers never see a 5xx or 'database is locked', and the
read-then-write guards (duplicate username, one active cart, last admin) hold under
1,000 concurrent attempts each. Checkouts racing in one branch take gapless, unique
receipt numbers, and one M-Pesa code pays for one sale only. Imports racing with the
same new skus create each product once."""
import collections
import concurrent.futures
import random
import time

from harness import Server, fail, login, register_body, request

WRITERS = 64
SECONDS = 5
ATTEMPTS = 1000


def main():
    server = Server().start()
    check(server.port, server.connect_db)
    if server.stop() != 0:
        fail("unclean exit")


def check(port, connect_db):
    """The writers and the guard races against whatever answers on `port` (one duka, or
    several behind nginx: chain.py); `connect_db` opens the database they share."""
    admin = login(port, "admin")
    status, product = request(port, "POST", "/api/v1/products", {"sku": "HOT", "name": "Hot item", "unit_price": 10}, admin)
    if status != 201:
        fail(f"product {status}")
    product_id = product["data"]["id"]

    statuses = collections.Counter()
    bodies = []
    deadline = time.time() + SECONDS

    def writer(index):
        n = 0
        rng = random.Random(index)
        while time.time() < deadline:
            n += 1
            status, body = request(port, "POST", "/api/v1/auth/register", register_body(f"w{index}n{n}"))
            statuses[status] += 1
            if status >= 500:
                bodies.append(body)
                continue
            status, cart = request(port, "POST", "/api/v1/carts", {"customer_uuid": body["data"]["id"]}, admin)
            statuses[status] += 1
            if status != 201:
                bodies.append(cart)
                continue
            for _ in range(rng.randrange(1, 4)):
                status, _ = request(port, "POST", f"/api/v1/carts/{cart['data']['id']}/items",
                                    {"product_id": product_id, "quantity": "1"}, admin)
                statuses[status] += 1
            status, _ = request(port, "POST", f"/api/v1/carts/{cart['data']['id']}/checkout", None, admin)
            statuses[status] += 1

    with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(writer, range(WRITERS)))
    total = sum(statuses.values())
    errors = sum(count for status, count in statuses.items() if status >= 500)
    print(f"contention: {WRITERS} writers for {SECONDS}s: {total} writes, {errors} 5xx, statuses {dict(statuses)}")
    if errors or any(s not in (200, 201) for s in statuses):
        fail(f"unexpected answers: {dict(statuses)} {bodies[:3]}")

    checkouts(port, connect_db, admin, product_id)

    def race(name, call):
        with concurrent.futures.ThreadPoolExecutor(250) as pool:
            results = collections.Counter(pool.map(call, range(ATTEMPTS)))
        print(f"guard {name}: {ATTEMPTS} concurrent attempts -> {dict(results)}")
        return results

    results = race("duplicate username", lambda i: request(port, "POST", "/api/v1/auth/register",
                                                           dict(register_body("same.name"), email=f"same{i}@example.co.ke"))[0])
    if results != {201: 1, 409: ATTEMPTS - 1}:
        fail("duplicate username guard")

    status, customer = request(port, "POST", "/api/v1/auth/register", register_body("one.cart"))
    uuid = customer["data"]["id"]
    results = race("one active cart", lambda i: request(port, "POST", "/api/v1/carts", {"customer_uuid": uuid}, admin)[0])
    if results != {201: 1, 409: ATTEMPTS - 1}:
        fail("one active cart guard")

    admins = []
    for i in range(4):
        status, body = request(port, "POST", "/api/v1/users",
                               {"username": f"admin{i}", "email": f"admin{i}@duka.local", "password": "admin-pass", "role": "admin"}, admin)
        admins.append(body["data"]["id"])
    tokens = [admin] + [login(port, f"admin{i}", "admin-pass") for i in range(4)]
    me = request(port, "GET", "/api/v1/auth/me", token=admin)[1]["data"]["id"]
    everyone = [me] + admins

    def demote(i):
        rng = random.Random(i)
        target = rng.choice(everyone)
        if i % 2:
            return request(port, "PUT", f"/api/v1/users/{target}", {"role": "cashier"}, rng.choice(tokens))[0]
        return request(port, "POST", f"/api/v1/users/{target}/toggle-status", None, rng.choice(tokens))[0]

    results = race("last admin", demote)
    con = connect_db()
    active_admins = con.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active = TRUE AND deleted_at IS NULL").fetchone()[0]
    con.close()
    print(f"guard last admin: {active_admins} active admin(s) remain")
    if active_admins < 1 or any(s not in (200, 401, 409) for s in results):
        fail("last admin guard")


def ready_carts(port, admin, product_id, count, prefix):
    """`count` new customers' carts, each with one unit of the product, ready to check out."""
    def ready_cart(i):
        _, customer = request(port, "POST", "/api/v1/auth/register", register_body(f"{prefix}{i}.{random.randrange(10**9)}"))
        _, cart = request(port, "POST", "/api/v1/carts", {"customer_uuid": customer["data"]["id"]}, admin)
        request(port, "POST", f"/api/v1/carts/{cart['data']['id']}/items", {"product_id": product_id, "quantity": "1"}, admin)
        return cart["data"]["id"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(ready_cart, range(count)))


def checkouts(port, connect_db, admin, product_id):
    """64 paid checkouts at once in one shift, then 64 sales racing for one M-Pesa code."""
    status, _ = request(port, "POST", "/api/v1/shifts", {"branch_id": 1, "opening_float": "0"}, admin)
    if status not in (201, 409):  # 409: the admin's shift is already open
        fail(f"shift {status}")

    carts = ready_carts(port, admin, product_id, 2 * WRITERS, "till")

    def pay(args):
        cart_id, tender = args
        status, body = request(port, "POST", f"/api/v1/carts/{cart_id}/checkout", {"payments": [tender]}, admin)
        return status, (body or {}).get("data", {}).get("receipt_number") if status == 200 else (body or {}).get("code")

    cash = {"method": "cash", "amount": "20"}
    with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
        paid = list(pool.map(pay, [(cart_id, cash) for cart_id in carts[:WRITERS]]))
    same_code = {"method": "mpesa", "amount": "10.00", "reference": "RACE123ABC"}
    with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
        raced = collections.Counter(status if status == 200 else f"{status} {code}"
                                    for status, code in pool.map(pay, [(cart_id, same_code) for cart_id in carts[WRITERS:]]))
    con = connect_db()
    numbers = sorted(row[0] for row in con.execute("SELECT receipt_number FROM carts WHERE status = 'checked_out'").fetchall())
    con.close()
    gapless = numbers == [f"MAIN-{n:06d}" for n in range(1, len(numbers) + 1)]
    print(f"checkouts: {WRITERS} paid at once -> {dict(collections.Counter(s for s, _ in paid))}; one M-Pesa code for {WRITERS} sales -> "
          f"{dict(raced)}; receipt numbers 1..{len(numbers)} gapless {gapless}")
    if any(s != 200 for s, _ in paid) or len({n for _, n in paid}) != WRITERS:
        fail(f"paid checkouts {paid[:5]}")
    if raced != {200: 1, "409 duplicate": WRITERS - 1}:
        fail(f"one M-Pesa code paid for more than one sale: {raced}")
    if not gapless:
        fail(f"receipt numbers not gapless: {numbers[:3]}…{numbers[-3:]} of {len(numbers)}")
    last_units(port, connect_db, admin)


def last_units(port, connect_db, admin):
    """64 sales race for the last 20 units of a counted product: exactly 20 succeed, the level ends at zero."""
    status, product = request(port, "POST", "/api/v1/products",
                              {"sku": f"LAST-{random.randrange(10**9)}", "name": "Last units", "unit_price": 10, "track_stock": True}, admin)
    if status != 201:
        fail(f"stocked product {status}")
    product_id = product["data"]["id"]
    status, _ = request(port, "POST", "/api/v1/stock/receive",
                        {"branch_id": 1, "lines": [{"product_id": product_id, "quantity": "20", "unit_cost": "5"}]}, admin)
    if status != 201:
        fail(f"receive {status}")

    carts = ready_carts(port, admin, product_id, WRITERS, "last")
    def checkout(cart_id):
        status, body = request(port, "POST", f"/api/v1/carts/{cart_id}/checkout", None, admin)
        return status if status == 200 else f"{status} {(body or {}).get('code')}"

    with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
        results = collections.Counter(pool.map(checkout, carts))
    con = connect_db()
    level = con.execute(f"SELECT quantity_milli FROM stock_levels WHERE product_id = {int(product_id)} AND branch_id = 1").fetchone()[0]
    moved = con.execute(f"SELECT SUM(quantity_milli) FROM stock_movements WHERE product_id = {int(product_id)}").fetchone()[0]
    con.close()
    print(f"stock: {WRITERS} sales race for the last 20 units -> {dict(results)}; level {int(level) / 1000:.3f}, movements sum {int(moved) / 1000:.3f}")
    if results != {200: 20, "409 insufficient_stock": WRITERS - 20} or int(level) != 0 or int(moved) != 0:
        fail("the last units were sold more or fewer times than there were")
    racing_imports(port, connect_db, admin)


def racing_imports(port, connect_db, admin):
    """8 imports of the same 100 new products at once: each product is created once (the
    first import to commit creates them, the others find them unchanged), every import
    answers 200, and none is half applied."""
    prefix = f"RACE{random.randrange(10**9)}"
    csv = "sku,name,unit_price,barcodes\r\n" + "".join(f"{prefix}-{i},Raced {i},{i}.00,{prefix}{i}\r\n" for i in range(100))

    def upload(_):
        status, body = request(port, "POST", "/api/v1/products/import", token=admin, csv=csv)
        return (status, body["data"]["created"], body["data"]["unchanged"]) if status == 200 else (status, (body or {}).get("code"), 0)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(upload, range(8)))
    con = connect_db()
    present = con.execute(f"SELECT COUNT(*) FROM products WHERE sku LIKE '{prefix}-%'").fetchone()[0]
    codes = con.execute(f"SELECT COUNT(*) FROM product_barcodes WHERE code LIKE '{prefix}%'").fetchone()[0]
    con.close()
    created = sum(a[1] for a in answers if a[0] == 200)
    print(f"imports: 8 racing imports of 100 new products -> statuses {collections.Counter(a[0] for a in answers)}, "
          f"created {created}, present {present}, barcodes {codes}")
    if any(a[0] != 200 for a in answers) or created != 100 or present != 100 or codes != 100 \
            or sum(a[1] + a[2] for a in answers) != 800:
        fail(f"racing imports: {answers}")


if __name__ == "__main__":
    main()
