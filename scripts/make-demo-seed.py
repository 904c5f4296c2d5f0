#!/usr/bin/env python3
"""Writes the demo data in seed/ (deterministic: same output every run).

The JSON files it writes are committed and compiled into the binary by
scripts/embed-resources; run both after changing this script.
"""
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
rng = random.Random(2025)

FIRST = ["Wanjiku", "Kamau", "Achieng", "Otieno", "Njeri", "Mwangi", "Akinyi", "Ochieng", "Wambui", "Kiprono",
         "Chebet", "Kipchoge", "Nyambura", "Mutua", "Mwende", "Kimani", "Atieno", "Odhiambo", "Wairimu", "Njoroge",
         "Jepkosgei", "Kibet", "Muthoni", "Ouma", "Nafula", "Wafula", "Zawadi", "Baraka", "Amani", "Imani",
         "Faith", "Brian", "Mercy", "Kevin", "Grace", "Dennis", "Esther", "Collins", "Purity", "Victor"]
LAST = ["Kariuki", "Omondi", "Mutiso", "Wanyama", "Cheruiyot", "Njenga", "Onyango", "Maina", "Kiptoo", "Owino",
        "Nyaga", "Gitau", "Korir", "Mugo", "Were", "Makori", "Chege", "Kamande", "Rotich", "Oduya",
        "Ndirangu", "Kilonzo", "Barasa", "Wekesa", "Mbugua", "Keter", "Akoth", "Muriuki", "Langat", "Simiyu"]
PLACES = {
    "Nairobi": ["Westlands", "Kasarani", "Embakasi", "Langata", "Kilimani", "Karen", "Eastleigh"],
    "Mombasa": ["Nyali", "Likoni", "Kisauni", "Changamwe"],
    "Kisumu": ["Kisumu Central", "Kondele", "Nyalenda", "Maseno"],
    "Nakuru": ["Nakuru Town", "Naivasha", "Molo", "Njoro"],
    "Uasin Gishu": ["Eldoret", "Burnt Forest", "Turbo"],
    "Kiambu": ["Thika", "Ruiru", "Kikuyu", "Limuru", "Juja"],
    "Machakos": ["Machakos Town", "Athi River", "Kangundo"],
    "Nyeri": ["Nyeri Town", "Othaya", "Karatina"],
    "Kakamega": ["Kakamega Town", "Mumias", "Malava"],
    "Kilifi": ["Malindi", "Kilifi Town", "Watamu"],
}
STREETS = ["Moi Avenue", "Kenyatta Avenue", "Ngong Road", "Waiyaki Way", "Thika Road", "Oginga Odinga Street",
           "Haile Selassie Avenue", "Jomo Kenyatta Highway", "Uhuru Highway", "Kimathi Street", "Biashara Street",
           "Tom Mboya Street", "Digo Road", "Nkrumah Road", "Kenyatta Street"]

PRODUCTS = [
    ("MAIZE-2KG", "Jogoo Maize Flour 2kg", "Sifted maize meal for ugali", "piece", "185.00"),
    ("MAIZE-LOOSE", "Maize Flour (loose)", "Sold by weight", "kg", "95.00"),
    ("WHEAT-2KG", "Exe Wheat Flour 2kg", "All-purpose home baking flour", "piece", "210.00"),
    ("RICE-PISHORI", "Pishori Rice", "Mwea aromatic rice, by weight", "kg", "240.00"),
    ("SUGAR-1KG", "Mumias Sugar 1kg", "White sugar", "piece", "165.00"),
    ("SUGAR-LOOSE", "Brown Sugar (loose)", "Sold by weight", "kg", "150.00"),
    ("MILK-500", "Brookside Fresh Milk 500ml", "Pasteurised whole milk", "piece", "65.00"),
    ("MILK-LOOSE", "Fresh Milk (dispenser)", "Sold by the litre", "litre", "110.00"),
    ("MALA-500", "Mala 500ml", "Fermented milk", "piece", "75.00"),
    ("YOGHURT-500", "Daima Yoghurt 500ml", "Strawberry yoghurt", "piece", "140.00"),
    ("BREAD-400", "Festive White Bread 400g", "Sliced bread", "piece", "65.00"),
    ("EGGS-TRAY", "Eggs (tray of 30)", "Kienyeji-fed layers", "piece", "420.00"),
    ("EGG-SINGLE", "Egg", "Single egg", "piece", "15.00"),
    ("OIL-1L", "Elianto Cooking Oil 1L", "Corn oil", "piece", "390.00"),
    ("OIL-LOOSE", "Cooking Oil (loose)", "Sold by the litre", "litre", "300.00"),
    ("COWBOY-1KG", "Kasuku Cooking Fat 1kg", "Vegetable fat", "piece", "350.00"),
    ("TEA-250", "Kericho Gold Tea 250g", "Black tea leaves", "piece", "160.00"),
    ("COFFEE-100", "Dormans Coffee 100g", "Ground Kenyan AA", "piece", "380.00"),
    ("SALT-1KG", "Kensalt 1kg", "Iodised salt", "piece", "45.00"),
    ("BEANS-ROSE", "Rosecoco Beans", "Dry beans, by weight", "kg", "180.00"),
    ("NDENGU", "Green Grams (Ndengu)", "By weight", "kg", "200.00"),
    ("GITHERI-MIX", "Githeri Mix", "Maize and beans, by weight", "kg", "130.00"),
    ("SUKUMA", "Sukuma Wiki", "Fresh kale, by weight", "kg", "60.00"),
    ("TOMATO", "Tomatoes", "Fresh, by weight", "kg", "120.00"),
    ("ONION-RED", "Red Onions", "By weight", "kg", "110.00"),
    ("POTATO", "Irish Potatoes", "By weight", "kg", "90.00"),
    ("BANANA-RIPE", "Ripe Bananas", "By weight", "kg", "100.00"),
    ("MANGO", "Apple Mangoes", "By weight", "kg", "150.00"),
    ("AVOCADO", "Hass Avocado", "Each", "piece", "30.00"),
    ("SODA-500", "Coca-Cola 500ml", "Soft drink", "piece", "70.00"),
    ("WATER-1L", "Keringet Water 1L", "Still mineral water", "piece", "80.00"),
    ("JUICE-1L", "Pick n Peel Mango Juice 1L", "Fruit juice", "piece", "250.00"),
    ("SOAP-BAR", "Menengai Bar Soap 800g", "Laundry bar soap", "piece", "180.00"),
    ("OMO-1KG", "Omo Washing Powder 1kg", "Hand wash powder", "piece", "330.00"),
    ("TOOTHPASTE", "Colgate 100ml", "Toothpaste", "piece", "150.00"),
    ("TISSUE-10", "Rosy Toilet Tissue (10 pack)", "Two-ply", "piece", "450.00"),
    ("MATCHES-10", "Kiberiti Matches (10 boxes)", "Safety matches", "piece", "40.00"),
    ("CHARCOAL", "Charcoal", "By weight", "kg", "50.00"),
    ("PARAFFIN", "Paraffin", "Sold by the litre", "litre", "160.00"),
    ("AIRTIME-100", "Safaricom Airtime 100", "Scratch card", "piece", "100.00"),
    ("NAPKINS", "Softcare Diapers (Medium, 40)", "Baby diapers", "piece", "1150.00"),
    ("SPAGHETTI", "Santa Lucia Spaghetti 400g", "Pasta", "piece", "120.00"),
    ("BLUEBAND-500", "Blue Band 500g", "Margarine", "piece", "230.00"),
    ("UNGA-NGANO-5", "Ajab Home Baking Flour 5kg", "Wheat flour, large pack", "piece", "720.00"),
    ("TEA-OLD", "Ketepa Tea 500g (old pack)", "Discontinued pack size", "piece", "280.00"),
]
INACTIVE_SKUS = {"TEA-OLD"}
# Stock: everything is counted but airtime (a voucher) and loose milk (a dispenser);
# low-stock thresholds above 5 where a shop sells many a day.
UNTRACKED = {"AIRTIME-100", "MILK-LOOSE", "TEA-OLD"}
LOW = {"BREAD-400": "20.000", "MILK-500": "24.000", "MAIZE-2KG": "10.000", "EGGS-TRAY": "6.000", "SUKUMA": "8.000"}
# KRA eTIMS VAT classes (API.md 7.2): A exempt, B 16%, C zero-rated, D non-VAT, E 8%.
# Unprocessed food and flour are exempt, milk and eggs zero-rated, paraffin 8%, airtime
# outside VAT; everything else standard-rated.
TAX_CLASSES = {
    "A": {"MAIZE-2KG", "MAIZE-LOOSE", "WHEAT-2KG", "UNGA-NGANO-5", "BEANS-ROSE", "NDENGU", "GITHERI-MIX", "SUKUMA", "TOMATO",
          "ONION-RED", "POTATO", "BANANA-RIPE", "MANGO", "AVOCADO"},
    "C": {"MILK-500", "MILK-LOOSE", "MALA-500", "EGGS-TRAY", "EGG-SINGLE"},
    "D": {"AIRTIME-100"},
    "E": {"PARAFFIN"},
}


def ean13(body12):
    """A GS1 EAN-13: 12 digits and their check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body12)))
    return body12 + str((10 - total % 10) % 10)


def barcodes(n, sku, unit):
    """Packaged goods carry an EAN-13 under Kenya's GS1 prefix 616; goods sold by weight
    carry a 5-digit PLU that the shop's scale prints inside its labels."""
    if unit == "kg":
        return [f"{101 + n:05d}"]
    if sku.startswith("AIRTIME"):
        return []
    return [ean13(f"616{1000000 + n * 7919:09d}"[:12])]


def tax_class(sku):
    return next((code for code, skus in TAX_CLASSES.items() if sku in skus), "B")

STAFF = [
    ("admin", "admin@duka.local", "admin", "Duka Administrator", "duka-admin-demo"),
    ("manager", "manager@duka.local", "manager", "Amina Wanjiru", "duka-manager-demo"),
    ("cashier", "cashier@duka.local", "cashier", "Peter Otieno", "duka-cashier-demo"),
    ("employee", "employee@duka.local", "employee", "Lucy Chebet", "duka-employee-demo"),
]
CUSTOMER_PASSWORD = "duka-customer-demo"


def iso(day, seconds):
    # day 0 = 2025-01-01; months kept simple through an ordinal table
    import datetime
    t = datetime.datetime(2025, 1, 1, 8, 0, 0) + datetime.timedelta(days=day, seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    staff = []
    for i, (username, email, role, full_name, password) in enumerate(STAFF):
        staff.append({
            "username": username, "email": email, "role": role, "full_name": full_name,
            "password": password, "phone_number": f"+2547000000{i + 1:02d}",
            "created_at": iso(0, i * 60),
        })

    customers = []
    used = set()
    counties = list(PLACES)
    for i in range(150):
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if (first, last) not in used:
                used.add((first, last))
                break
        county = rng.choice(counties)
        username = f"{first.lower()}.{last.lower()}"
        customers.append({
            "username": username,
            "email": f"{username}@example.co.ke",
            "full_name": f"{first} {last}",
            "id_number": str(20000000 + rng.randrange(0, 19999999)),
            "phone_number": f"+2547{rng.randrange(10000000, 99999999)}",
            "county": county,
            "town": rng.choice(PLACES[county]),
            "street": f"{rng.randrange(1, 400)} {rng.choice(STREETS)}",
            "is_active": True,
            "deleted": False,
            "created_at": iso(1 + i, rng.randrange(0, 36000)),
        })
    # A few soft-deleted and deactivated customers (one both).
    for index in (17, 58, 101, 133):
        customers[index]["deleted"] = True
    for index in (9, 76, 133):
        customers[index]["is_active"] = False
    # The demo customer login: the first customer gets a memorable username.
    customers[0]["username"] = "customer"
    customers[0]["email"] = "customer@duka.local"

    products = [
        {"sku": sku, "name": name, "description": desc, "unit": unit, "unit_price": price, "tax_class": tax_class(sku),
         "barcodes": barcodes(n, sku, unit), "track_stock": sku not in UNTRACKED, "low_stock_threshold": LOW.get(sku, "5.000"),
         "is_active": sku not in INACTIVE_SKUS, "created_at": iso(0, 600 + n * 30)}
        for n, (sku, name, desc, unit, price) in enumerate(PRODUCTS)
    ]

    sellable = [p for p in products if p["is_active"]]
    carts = []
    statuses = ["checked_out"] * 15 + ["active"] * 5 + ["abandoned"] * 3
    buyers = rng.sample([c for c in customers[1:] if c["is_active"] and not c["deleted"]], 22)
    buyers.insert(0, customers[0])
    for n, status in enumerate(statuses):
        customer = buyers[n]
        channel = "online" if n % 3 == 0 else "in_store"
        # Every other day over six weeks, statuses interleaved (7 is coprime with 23), so the
        # console's 30-day sales chart has history (DemoSeed moves it up to the present).
        day = 160 + (n * 7 % len(statuses)) * 2
        items = []
        for product in rng.sample(sellable, rng.randrange(1, 7)):
            if product["unit"] == "piece":
                quantity = f"{rng.randrange(1, 6)}.000"
            else:
                quantity = f"{rng.randrange(250, 5000) / 1000:.3f}"
            items.append({"sku": product["sku"], "quantity": quantity, "sale_channel": channel})
        carts.append({"customer": customer["username"], "status": status,
                      "created_at": iso(day, 3600 + n * 97), "items": items})
    # The demo customer's cart is the active one they can keep filling online.
    carts[0]["status"], carts[15]["status"] = "active", "checked_out"
    selling = till_day(carts, {p["sku"]: p for p in products})

    out = ROOT / "seed"
    out.mkdir(exist_ok=True)
    for name, data in [("staff", staff), ("customers", customers), ("products", products), ("carts", carts), ("selling", selling)]:
        (out / f"{name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    (out / "customer_password.txt").write_text(CUSTOMER_PASSWORD + "\n")


def cents(text):
    whole, _, fraction = text.partition(".")
    return int(whole) * 1000 // 1000 * 100 + int((fraction + "00")[:2])


def milli(text):
    whole, _, fraction = text.partition(".")
    return int(whole) * 1000 + int((fraction + "000")[:3])


def money(value):
    return f"{value // 100}.{value % 100:02d}"


def line_total(product, quantity):
    return (cents(product["unit_price"]) * milli(quantity) + 500) // 1000


def till_day(carts, products):
    """A day at the till, played through the storage API when the demo loads (DemoSelling):
    four in-store carts stay active in the seed and are paid there, with every tender.

    The cashier's shift at MAIN takes cash with change, M-Pesa and a card+cash split,
    refunds the first line of the cash sale with the manager's approval, pays out for a
    delivery and is closed 20.00 short; the manager's shift at Westlands (WKL) takes one
    M-Pesa sale and stays open (its X report)."""
    picks = [n for n, cart in enumerate(carts) if n > 0 and cart["status"] == "checked_out" and cart["items"][0]["sale_channel"] == "in_store"][:4]
    totals = []
    for n in picks:
        carts[n]["status"] = "active"  # checked out by the till day, so the seed's counts hold
        totals.append(sum(line_total(products[i["sku"]], i["quantity"]) for i in carts[n]["items"]))
    cash_sale, mpesa_sale, split_sale, branch_sale = (carts[n] for n in picks)
    cash_total, mpesa_total, split_total, branch_total = totals
    tendered = (cash_total // 50_00 + 1) * 50_00  # the next 50 shillings up: change to give
    card = split_total // 2
    first = cash_sale["items"][0]
    refunded = line_total(products[first["sku"]], first["quantity"])
    # Stock received at MAIN before the day, enough for every demo sale there; what the
    # Westlands sale needs (and a little more) is sent there; a damaged tray is written off.
    # Bread starts under its threshold, so the low-stock list is not empty.
    def milli_of(text):
        return milli(text)

    needed = {}
    for cart in (cash_sale, mpesa_sale, split_sale):
        for item in cart["items"]:
            needed[item["sku"]] = needed.get(item["sku"], 0) + milli_of(item["quantity"])
    transfer = {}
    for item in branch_sale["items"]:
        transfer[item["sku"]] = transfer.get(item["sku"], 0) + milli_of(item["quantity"]) + 2000
    receive = []
    for n, product in enumerate(p for p in products.values() if p["is_active"] and p["sku"] not in UNTRACKED):
        sku = product["sku"]
        base = 12000 if sku in ("EGGS-TRAY", "BREAD-400", "SUKUMA") else (40 + (n * 17) % 90) * 1000
        quantity = max(base, needed.get(sku, 0) + transfer.get(sku, 0) + 2000)
        cost = cents(product["unit_price"]) * 78 // 100  # bought at about 78% of the shelf price
        receive.append({"sku": sku, "quantity": f"{quantity // 1000}.{quantity % 1000:03d}", "unit_cost": money(cost)})
    stock = {
        "receive": receive, "reference": "GRN-0001 Bidco / Unga Ltd",
        "transfer": [{"sku": sku, "quantity": f"{q // 1000}.{q % 1000:03d}"} for sku, q in transfer.items() if sku not in UNTRACKED],
        "adjust": [{"sku": "EGGS-TRAY", "delta": "-1.000", "reason": "damage"}],
    }
    return {
        "stock": stock,
        "shop": {"name": "Duka Mini-Mart", "kra_pin": "P051234567X", "address": "Moi Avenue, Nairobi", "phone": "+254700000001",
                 "receipt_footer": "Asante kwa kununua! Goods once sold are returnable within 7 days with this receipt."},
        "branches": [{"code": "WKL", "name": "Westlands"}],
        "shifts": [
            {"user": "cashier", "branch": "MAIN", "opening_float": "5000.00",
             "sales": [
                 {"customer": cash_sale["customer"], "payments": [{"method": "cash", "amount": money(tendered)}]},
                 {"customer": mpesa_sale["customer"], "payments": [{"method": "mpesa", "amount": money(mpesa_total), "reference": "SLK4H7Q2XP"}]},
                 {"customer": split_sale["customer"], "payments": [
                     {"method": "card", "amount": money(card), "reference": "VISA-004211"},
                     {"method": "cash", "amount": money(split_total - card)}]},
             ],
             "refunds": [{"customer": cash_sale["customer"], "line": 0, "quantity": first["quantity"], "reason": "Damaged packaging",
                          "approved_by": "manager", "payments": [{"method": "cash", "amount": money(refunded)}]}],
             "cash": [{"type": "pay_out", "amount": "300.00", "reason": "Boda boda delivery to Kilimani"},
                      {"type": "pay_in", "amount": "1000.00", "reason": "Change from the bank"}],
             "counted_difference": "-20.00"},
            {"user": "manager", "branch": "WKL", "opening_float": "2000.00",
             "sales": [{"customer": branch_sale["customer"],
                        "payments": [{"method": "mpesa", "amount": money(branch_total), "reference": "SLM9P3R5TV"}]}],
             "refunds": [], "cash": [], "counted_difference": None},
        ],
    }


if __name__ == "__main__":
    main()
