#!/usr/bin/env python3
"""Crash safety: writers hammer the real binary, which is killed with SIGKILL at random
moments and restarted, round after round. Every write that got a 2xx must survive, no
multi-row change may be half applied, and the file must pass integrity_check. Sales are
paid in cash in the admin's shift: receipt numbers must stay gapless and unique across
the kills (a checkout killed before its commit takes no number). A catalogue importer
runs beside them: every acknowledged import is there whole, and any other is there
whole or not at all (never some of its rows)."""
import random
import sys
import threading
import time

from harness import Server, fail, integrity_ok, login, register_body, request

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
WRITERS = 6
IMPORT_ROWS = 200


def main():
    rng = random.Random(20261126)
    server = Server().start()
    admin = login(server.port, "admin")
    product_status, product = request(server.port, "POST", "/api/v1/products",
                                      {"sku": "CRASH-1", "name": "Crash test flour", "unit": "kg", "unit_price": "33.33"}, admin)
    if product_status != 201:
        fail(f"product: {product_status}")
    product_id = product["data"]["id"]
    # Counted stock that may go negative: every sale moves it, none is refused.
    if request(server.port, "PUT", f"/api/v1/products/{product_id}", {"track_stock": True, "allow_negative_stock": True}, admin)[0] != 200:
        fail("track stock")
    shift_status, _ = request(server.port, "POST", "/api/v1/shifts", {"branch_id": 1, "opening_float": "500"}, admin)
    if shift_status != 201:
        fail(f"shift: {shift_status}")
    paid = {"payments": [{"method": "cash", "amount": "60.00"}]}  # 1.750 × 33.33 = 58.33, change 1.67

    registered = set()      # usernames acknowledged with 201
    sales = {}              # cart id -> (quantity in thousandths, receipt number), acknowledged as checked out
    lock = threading.Lock()
    errors = []

    def writer(round_no, index, stop):
        n = 0
        while not stop.is_set():
            n += 1
            name = f"r{round_no}w{index}n{n}"
            try:
                status, body = request(server.port, "POST", "/api/v1/auth/register", register_body(name), timeout=5)
                if status == 201:
                    with lock:
                        registered.add(name)
                    customer_id = None
                    # A till sale for the new customer: open, two lines, checkout.
                    status, cart = request(server.port, "POST", "/api/v1/carts", {"customer_uuid": body["data"]["id"]}, admin, timeout=5)
                    if status != 201:
                        continue
                    cart_id = cart["data"]["id"]
                    lines = 0
                    for quantity in ("1.500", "0.250"):
                        product_line = {"product_id": product_id, "quantity": quantity}
                        if request(server.port, "POST", f"/api/v1/carts/{cart_id}/items", product_line, admin, timeout=5)[0] != 201:
                            break
                        lines += 1
                    if lines != 2:
                        continue
                    status, sold = request(server.port, "POST", f"/api/v1/carts/{cart_id}/checkout", paid, admin, timeout=5)
                    if status == 200:
                        with lock:
                            # Both adds merge into one line of 1.750.
                            sales[cart_id] = (1750, sold["data"]["receipt_number"])
                elif status >= 500:
                    errors.append(f"{status} on register")
            except OSError:
                pass  # the server was killed mid-request: not acknowledged

    imported = set()        # file names whose import was acknowledged with 200
    sent = set()            # every file sent

    def importer(round_no, stop):
        n = 0
        while not stop.is_set():
            n += 1
            name = f"IMP-r{round_no}n{n}"
            rows = "".join(f"{name}-{i},Imported {i},{i}.50,{name}{i}\r\n" for i in range(IMPORT_ROWS))
            with lock:
                sent.add(name)
            try:
                status, body = request(server.port, "POST", "/api/v1/products/import", token=admin, timeout=10,
                                       csv="sku,name,unit_price,barcodes\r\n" + rows)
                if status == 200 and body["data"]["created"] == IMPORT_ROWS:
                    with lock:
                        imported.add(name)
                elif status >= 500:
                    errors.append(f"{status} on import")
            except OSError:
                pass

    for round_no in range(ROUNDS):
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(round_no, i, stop)) for i in range(WRITERS)]
        threads.append(threading.Thread(target=importer, args=(round_no, stop)))
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 1.2))
        server.kill9()
        stop.set()
        for t in threads:
            t.join()
        if not integrity_ok(server.db):
            fail(f"integrity_check failed after round {round_no}")
        server.start()

    status, _ = request(server.port, "GET", "/readyz")
    if status != 200:
        fail("not ready after the last restart")
    server.stop()
    con = server.connect_db()
    present = {row[0] for row in con.execute("SELECT username FROM users")}
    lost_users = registered - present
    lost_sales = []
    for cart_id, (quantity, receipt) in sales.items():
        row = con.execute("SELECT status, (SELECT SUM(quantity_milli) FROM cart_items WHERE cart_id = carts.id), receipt_number, "
                          "payment_status, change_cents, (SELECT SUM(amount_cents) FROM payments WHERE cart_id = carts.id) "
                          "FROM carts WHERE id = ?", (cart_id,)).fetchone()
        if tuple(row) != ("checked_out", quantity, receipt, "paid", 167, 6000):
            lost_sales.append((cart_id, row))
    # Every checkout that committed took the next number: 1..N, no gap, no repeat.
    numbers = sorted(row[0] for row in con.execute("SELECT receipt_number FROM carts WHERE status = 'checked_out'").fetchall())
    gapless = numbers == [f"MAIN-{n:06d}" for n in range(1, len(numbers) + 1)]
    stray_payments = con.execute("SELECT COUNT(*) FROM payments WHERE cart_id IN (SELECT id FROM carts WHERE status <> 'checked_out')").fetchone()[0]
    # Every checkout that committed moved its stock in the same transaction, and nothing else did.
    sold = con.execute("SELECT COALESCE(SUM(i.quantity_milli), 0) FROM cart_items AS i JOIN carts AS c ON c.id = i.cart_id "
                       "WHERE c.status = 'checked_out'").fetchone()[0]
    moved = con.execute("SELECT COALESCE(SUM(quantity_milli), 0), COUNT(*) FROM stock_movements WHERE type = 'sale'").fetchone()
    level = con.execute("SELECT COALESCE(SUM(quantity_milli), 0) FROM stock_levels").fetchone()[0]
    stock_exact = int(moved[0]) == -int(sold) and int(level) == -int(sold) and moved[1] == len(numbers)
    orphans = con.execute("SELECT COUNT(*) FROM cart_items WHERE cart_id NOT IN (SELECT id FROM carts)").fetchone()[0]
    half_done = con.execute("SELECT COUNT(*) FROM carts WHERE status = 'checked_out' AND id NOT IN (SELECT cart_id FROM cart_items)").fetchone()[0]
    # Imports: all of a file or none of it; every acknowledged one all of it.
    per_file = {}
    for (sku,) in con.execute("SELECT sku FROM products WHERE sku LIKE 'IMP-%'").fetchall():
        per_file[sku.rsplit("-", 1)[0]] = per_file.get(sku.rsplit("-", 1)[0], 0) + 1
    barcodes = con.execute("SELECT COUNT(*) FROM product_barcodes WHERE code LIKE 'IMP-%'").fetchone()[0]
    partial_imports = {name: count for name, count in per_file.items() if count != IMPORT_ROWS}
    lost_imports = imported - set(per_file)
    products_now = con.execute("SELECT COUNT(*) FROM products").fetchone()[0]
    counters = dict(con.execute("SELECT name, value FROM counters"))
    recount = con.execute("SELECT COUNT(*) FROM carts").fetchone()[0]
    con.close()
    acknowledged = len(registered) + len(sales) + len(imported)
    lost = len(lost_users) + len(lost_sales) + len(lost_imports)
    imports_whole = not partial_imports and barcodes == sum(per_file.values()) and counters["products"] == products_now
    print(f"crash test: rounds {ROUNDS}, acknowledged writes {acknowledged} "
          f"({len(registered)} sign-ups, {len(sales)} checked-out sales), lost {lost}, 5xx {len(errors)}, "
          f"orphan lines {orphans}, empty checkouts {half_done}, receipt numbers 1..{len(numbers)} gapless {gapless}, "
          f"stray payments {stray_payments}, stock level {int(level) / 1000:.3f} = -(sold {int(sold) / 1000:.3f}) {stock_exact}, "
          f"imports {len(imported)} acknowledged of {len(sent)} sent, {len(per_file)} present, all whole {imports_whole}")
    if lost or errors or orphans or half_done or counters["carts"] != recount or not gapless or stray_payments or not stock_exact \
            or not imports_whole \
            or not integrity_ok(server.db):
        fail(f"lost users {sorted(lost_users)[:5]}, lost sales {lost_sales[:5]}, errors {errors[:5]}, counters {counters} vs {recount}, "
             f"receipt numbers {numbers[:3]}…{numbers[-3:]} gapless {gapless}, stray payments {stray_payments}, "
             f"stock moved {moved} level {level} sold {sold}, partial imports {partial_imports}, lost imports {sorted(lost_imports)[:5]}, "
             f"barcodes {barcodes}, products {products_now} counted {counters['products']}")
    if acknowledged == 0:
        fail("no write was acknowledged")


if __name__ == "__main__":
    main()
