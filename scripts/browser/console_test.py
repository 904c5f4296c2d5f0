"""Browser tests of the Duka console: Debian's chromium, headless, driven by selenium
through chromium-driver, against the real binary on loopback with the demo shop.

Each test saves a screenshot (pass or fail) in $DUKA_SCREENSHOTS (default
artifacts/screenshots/), and fails when the page logged an error, a Content-Security-
Policy violation included. Figures on screen are checked against the API itself.
"""
import os
import sys
import tempfile
import unittest

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reliability"))
import harness  # noqa: E402

SHOTS = os.environ.get("DUKA_SCREENSHOTS", os.path.join(harness.ROOT, "artifacts", "screenshots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CUSTOMER_PASSWORD = "duka-customer-demo"


def demo_password(role):
    return f"duka-{role}-demo"


class Console(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.server = harness.Server(extra_args=["--demo"]).start()
        cls.base = f"http://127.0.0.1:{cls.server.port}"
        cls.tokens = {}

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # ------------------------------------------------------------ helpers

    def setUp(self):
        self.size = getattr(self, "size", (1280, 800))
        self.driver = self.browser(*self.size)
        self.wait = WebDriverWait(self.driver, 10)

    def browser(self, width, height, phone=False):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--window-size={width},{height}", "--lang=en-US"):
            options.add_argument(argument)
        if phone:
            # A desktop window cannot be narrower than 500 px; a phone is emulated instead.
            options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2}})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)

    def tearDown(self):
        name = self.id().split(".")[-1]
        self.driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
        page_text = self.driver.find_element(By.TAG_NAME, "body").text
        # Errors the page logged (script errors, CSP violations); a 4xx the test provoked on
        # purpose is logged by chromium as a failed resource load and is allowed.
        problems = [entry["message"] for entry in self.driver.get_log("browser")
                    if entry["level"] == "SEVERE" and "the server responded with a status of 4" not in entry["message"]]
        self.driver.quit()
        self.assertEqual(problems, [], "the page logged errors")
        for garbage in ("[object ", "undefined", "NaN"):
            self.assertNotIn(garbage, page_text, "the page shows a value the script failed to format")

    def api(self, role_or_token, method, path, body=None):
        """The API as a demo user (by role name) or with a token; answers (status, json)."""
        token = self.token(role_or_token) if role_or_token in ("admin", "manager", "cashier", "employee") else role_or_token
        return harness.request(self.server.port, method, path, body=body, token=token)

    def token(self, role):
        if role not in self.tokens:
            status, answer = harness.request(self.server.port, "POST", "/api/v1/auth/login",
                                             {"username": role, "password": demo_password(role)})
            self.assertEqual(status, 200)
            self.tokens[role] = answer["data"]["access_token"]
        return self.tokens[role]

    def find(self, css):
        return self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def click(self, css):
        element = self.wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, css)))
        element.click()
        return element

    def text_in(self, css, text):
        try:
            self.wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
        except TimeoutException:
            found = self.driver.find_elements(By.CSS_SELECTOR, css)
            self.fail(f"{css} never showed {text!r}; it shows {found[0].text if found else 'nothing'!r}")

    def type_into(self, css, text):
        element = self.find(css)
        element.clear()
        element.send_keys(text)
        return element

    def sign_in(self, username, password, expect_home=True):
        self.driver.get(self.base + "/")
        self.type_into("#signin-username", username)
        self.type_into("#signin-password", password)
        self.click("#signin-submit")
        if expect_home:
            self.text_in("#whoami", username)

    def confirm(self):
        self.click("#confirm-ok")

    def sign_out(self):
        self.click("#signout")
        self.text_in("#signin-error", "You have signed out")

    # ------------------------------------------------------------ the scenarios

    def test_employee_sees_the_dashboard_figures_of_the_api(self):
        self.sign_in("employee", demo_password("employee"))
        status, figures = self.api("employee", "GET", "/employee/dashboard")
        self.assertEqual(status, 200)
        for card, key in (("customers", "total_customers"), ("products", "total_products"), ("carts", "total_carts")):
            shown = self.find(f"#card-{card} .figure")
            self.assertEqual(shown.get_attribute("data-value"), str(figures[key]))
            self.assertEqual(shown.text.replace(",", ""), str(figures[key]))
        _, report = self.api("employee", "GET", "/api/v1/reports/sales?days=30")
        bars = self.driver.find_elements(By.CSS_SELECTOR, "#chart-status rect.bar")
        self.assertEqual(len(bars), 3)
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "#chart-sales rect.bar")), 30)
        # The demo's history ends a day or two ago, so the sales chart has bars to show.
        self.assertTrue(any(day["carts"] > 0 for day in report["data"]["days"]))

    def test_employee_searches_soft_deletes_and_restores_a_customer(self):
        _, listing = self.api("employee", "GET", "/employee/customers?per_page=5&is_active=true&page=3")
        customer = listing["customers"][0]
        self.sign_in("employee", demo_password("employee"))
        self.click("#nav a[href='#/customers']")
        self.type_into("#customer-search", customer["email"])
        self.click("#customer-search-submit")
        self.text_in("#page-status", "1 customers")
        self.click(f"#customer-table tr[data-id='{customer['id']}'] a")
        self.text_in("#customer-profile", customer["email"])
        self.click("#customer-delete")
        self.text_in("#confirm-text", "Delete")
        self.confirm()
        self.find("#customer-restore")
        self.text_in("#notice", "Customer deleted successfully")
        _, detail = self.api("employee", "GET", f"/employee/customers/{customer['id']}")
        self.assertIsNotNone(detail["customer"]["deleted_at"])
        # Gone from the default list, back with "include deleted".
        self.click("#nav a[href='#/customers']")
        self.type_into("#customer-search", customer["email"])
        self.click("#customer-search-submit")
        self.find("#customer-none")
        self.click("#customer-deleted")
        self.click("#customer-search-submit")
        self.click(f"#customer-table tr[data-id='{customer['id']}'] a")
        self.click("#customer-restore")
        self.confirm()
        self.find("#customer-delete")
        self.text_in("#notice", "Customer restored successfully")
        _, detail = self.api("employee", "GET", f"/employee/customers/{customer['id']}")
        self.assertIsNone(detail["customer"]["deleted_at"])

    def test_admin_creates_a_cashier_after_a_validation_message(self):
        self.sign_in("admin", demo_password("admin"))
        self.click("#nav a[href='#/users']")
        self.click("#user-new")
        self.type_into("#user-username", "wanjiru.till")
        self.type_into("#user-email", "wanjiru-at-duka")
        self.type_into("#user-password", "till-secret-1")
        Select(self.find("#user-role-select")).select_by_value("cashier")
        self.type_into("#user-full_name", "Wanjiru Till")
        self.click("#user-save")
        self.text_in("#user-email-error", "Email")
        self.assertIn("valid", self.find("#user-email-error").text)
        status, _ = self.api("admin", "GET", "/api/v1/users?search=wanjiru.till&status=all")
        self.driver.save_screenshot(os.path.join(SHOTS, "test_admin_validation_message.png"))
        self.type_into("#user-email", "wanjiru@duka.local")
        self.click("#user-save")
        self.find("#user-table tr[data-username='wanjiru.till']")
        self.text_in("#notice", "User created successfully")
        _, listing = self.api("admin", "GET", "/api/v1/users?search=wanjiru.till&status=all")
        self.assertEqual([(u["username"], u["role"], u["is_active"]) for u in listing["data"]["users"]],
                         [("wanjiru.till", "cashier", True)])
        # The new cashier can sign in with the password the admin chose.
        status, _ = harness.request(self.server.port, "POST", "/api/v1/auth/login",
                                    {"username": "wanjiru.till", "password": "till-secret-1"})
        self.assertEqual(status, 200)

    def test_cashier_rings_up_an_in_store_sale_and_the_dashboard_moves(self):
        _, before = self.api("employee", "GET", "/employee/dashboard")
        customer = self.customer_without_active_cart()
        self.sign_in("cashier", demo_password("cashier"))
        self.find("#till-customer-search")  # the cashier's home screen is the till
        self.type_into("#till-customer-search", customer["username"])
        self.click("#till-customer-find")
        self.click(f"#till-customers button[data-customer='{customer['username']}']")
        self.find("#cart-panel[data-status='active']")
        # A counted product found by name and added with its button...
        self.type_into("#product-search", "Bread")
        self.type_into("#add-quantity", "2")
        self.click("#product-find")
        self.click("#product-results button[data-sku='BREAD-400']")
        self.find("#cart-lines")
        # ...and a weighed one by its SKU: an exact SKU is added straight away.
        self.type_into("#add-quantity", "1.250")
        self.type_into("#product-search", "tomato\n")
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#cart-lines tbody tr")) == 2)
        self.assert_labelled("the till with two lines")
        cart_id = self.find("#cart-panel").get_attribute("data-cart")
        _, cart = self.api("cashier", "GET", f"/api/v1/carts/{cart_id}")
        lines = {line["quantity"]: line for line in cart["data"]["items"]}
        self.assertEqual(sorted(lines), ["1.250", "2.000"])
        self.assertTrue(all(line["sale_channel"] == "in_store" for line in lines.values()))
        self.text_in("#cart-total", self.shillings(cart["data"]["total"]))
        self.click("#cart-checkout")
        self.text_in("#cart-outcome", "Checked out: " + self.shillings(cart["data"]["total"]))
        self.driver.save_screenshot(os.path.join(SHOTS, "test_cashier_till_checked_out.png"))
        _, cart = self.api("cashier", "GET", f"/api/v1/carts/{cart_id}")
        self.assertEqual(cart["data"]["status"], "checked_out")
        # The employee's dashboard in the console counts the new cart.
        self.sign_out()
        self.sign_in("employee", demo_password("employee"))
        self.text_in("#card-carts .figure", f"{before['total_carts'] + 1:,}")

    def test_an_employee_at_the_till_finds_customers_through_the_portal(self):
        customer = self.customer_without_active_cart(offset=2)
        self.sign_in("employee", demo_password("employee"))
        self.click("#nav a[href='#/till']")
        self.type_into("#till-customer-search", customer["full_name"])
        self.click("#till-customer-find")
        self.click(f"#till-customers button[data-customer='{customer['full_name']}']")
        self.text_in("#cart-panel h2", f"for {customer['full_name']}")
        self.type_into("#add-quantity", "abc")
        self.type_into("#product-search", "MILK-500\n")
        self.text_in("#add-quantity-error", "Quantity")
        self.type_into("#add-quantity", "1")
        self.type_into("#product-search", "MILK-500\n")
        self.find("#cart-lines")
        # Leaving and coming back resumes the same cart rather than opening a second one.
        cart_id = self.find("#cart-panel").get_attribute("data-cart")
        self.click("#nav a[href='#/till']")
        self.type_into("#till-customer-search", customer["full_name"])
        self.click("#till-customer-find")
        self.click(f"#till-customers button[data-customer='{customer['full_name']}']")
        self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#cart-panel").get_attribute("data-cart") == cart_id)
        self.click("#cart-abandon")
        self.confirm()
        self.text_in("#cart-outcome", "abandoned")

    def test_customer_fills_and_checks_out_an_online_cart(self):
        customer = self.customer_without_active_cart(offset=1)
        self.sign_in(customer["username"], CUSTOMER_PASSWORD)
        self.click("#cart-open")
        self.find("#cart-panel[data-status='active']")
        self.type_into("#add-quantity", "3")
        self.type_into("#product-search", "soda-500\n")
        self.find("#cart-lines")
        self.type_into("#add-quantity", "0.5")
        self.type_into("#product-search", "sugar")
        self.click("#product-find")
        self.click("#product-results button[data-sku='SUGAR-LOOSE']")
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#cart-lines tbody tr")) == 2)
        # Change a quantity in place, then check out.
        quantity = self.driver.find_element(By.CSS_SELECTOR, "#cart-lines tbody tr:first-child input")
        quantity.clear()
        quantity.send_keys("4", Keys.ENTER)
        self.text_in("#notice", "Cart item updated successfully")
        cart_id = self.find("#cart-panel").get_attribute("data-cart")
        self.click("#cart-checkout")
        self.find("#cart-outcome")
        token = self.login_token(customer["username"], CUSTOMER_PASSWORD)
        _, cart = self.api(token, "GET", f"/api/v1/carts/{cart_id}")
        self.assertEqual(cart["data"]["status"], "checked_out")
        self.assertEqual(sorted((i["quantity"], i["sale_channel"]) for i in cart["data"]["items"]),
                         [("0.500", "online"), ("4.000", "online")])
        self.text_in("#cart-outcome", self.shillings(cart["data"]["total"]))
        self.click("#shop-continue")
        self.find("#cart-open")
        self.find(f"details[data-cart='{cart_id}']")

    def test_a_deactivated_user_is_refused_with_a_message(self):
        _, listing = self.api("employee", "GET", "/employee/customers?is_active=false&per_page=1")
        inactive = listing["customers"][0]
        self.sign_in(inactive["username"], CUSTOMER_PASSWORD, expect_home=False)
        self.text_in("#signin-error", "deactivated")
        self.assertIsNone(self.driver.get_cookie("access_token"))

    def test_wrong_passwords_then_throttling_are_explained(self):
        # An unknown name: throttling it leaves the demo logins usable by the other tests.
        self.sign_in("ghost.shopper", "not-the-password", expect_home=False)
        self.text_in("#signin-error", "Invalid")
        for _ in range(4):
            self.type_into("#signin-password", "still-wrong")
            self.click("#signin-submit")
            self.text_in("#signin-error", "Invalid")
            self.driver.execute_script("document.getElementById('signin-error').textContent = ''")
        self.type_into("#signin-password", "a-sixth-try")
        self.click("#signin-submit")
        self.text_in("#signin-error", "Too many sign-in attempts. Try again in 15 minutes")

    def test_sign_out_ends_the_session(self):
        self.sign_in("manager", demo_password("manager"))
        self.find("#product-table")  # the manager's home screen: products
        self.sign_out()
        self.assertIsNone(self.driver.get_cookie("access_token"))
        self.driver.get(self.base + "/#/products")
        self.find("#signin-form")

    def test_every_field_has_a_label_and_every_button_text(self):
        self.sign_in("admin", demo_password("admin"))
        screens = ["dashboard", "customers", "users", "users/new", "products", "products/new", "till", "shift", "returns",
                   "returns?receipt=MAIN-000001", "settings", "stock"]
        for screen in screens:
            self.driver.get(f"{self.base}/#/{screen}")
            self.find("main h1")
            self.assert_labelled(screen)

    def assert_labelled(self, where):
        """Every form field has a label with text, and every button text of its own."""
        unlabelled = self.driver.execute_script("""
            return [...document.querySelectorAll('input, select, textarea')]
              .filter((e) => e.type !== 'hidden' && !(e.labels && e.labels.length && e.labels[0].textContent.trim()))
              .map((e) => e.outerHTML);""")
        self.assertEqual(unlabelled, [], f"{where}: fields without a label")
        textless = self.driver.execute_script("""
            return [...document.querySelectorAll('button, a.button')].filter((b) => !b.textContent.trim()).map((b) => b.outerHTML);""")
        self.assertEqual(textless, [], f"{where}: buttons without text")

    def test_the_phone_layout_has_no_sideways_scrolling(self):
        self.driver.quit()
        self.driver = self.browser(390, 844, phone=True)
        self.wait = WebDriverWait(self.driver, 10)
        self.sign_in("admin", demo_password("admin"))
        self.find("#card-carts")
        for screen in ("dashboard", "customers", "till"):
            self.driver.get(f"{self.base}/#/{screen}")
            self.find("main h1")
            width = self.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            self.driver.save_screenshot(os.path.join(SHOTS, f"test_phone_{screen}.png"))
            self.assertLessEqual(width, 0, f"{screen} scrolls sideways by {width}px")

    def test_manager_creates_edits_and_deactivates_a_product(self):
        self.sign_in("manager", demo_password("manager"))
        self.click("#product-new")
        self.type_into("#product-sku", "bread-400")  # taken, whatever the case
        self.type_into("#product-name", "Brown bread 400g")
        self.type_into("#product-price", "72.50")
        self.click("#product-save")
        self.text_in("#product-sku-error", "SKU")
        self.type_into("#product-sku", "BROWN-400")
        self.type_into("#product-price", "72.505")
        self.click("#product-save")
        self.text_in("#product-price-error", "Unit price")
        self.type_into("#product-price", "72.50")
        self.click("#product-save")
        row = "#product-table tr[data-sku='BROWN-400']"
        self.text_in(row, "KES 72.50")
        self.click(f"{row} a")
        self.type_into("#product-price", "75")
        self.click("#product-save")
        self.text_in(row, "KES 75.00")
        self.click(f"{row} button")
        self.text_in("#notice", "Product updated successfully")
        self.text_in(row, "inactive")
        _, listing = self.api("manager", "GET", "/api/v1/products?search=BROWN-400&include_inactive=true")
        product = listing["data"]["products"][0]
        self.assertEqual((product["unit_price"], product["is_active"]), ("75.00", False))

    def test_admin_edits_toggles_and_deletes_a_user(self):
        status, created = self.api("admin", "POST", "/api/v1/users", {
            "username": "temp.clerk", "email": "temp.clerk@duka.local", "password": "temp-pass-1", "role": "employee"})
        self.assertEqual(status, 201)
        self.sign_in("admin", demo_password("admin"))
        self.driver.get(f"{self.base}/#/users?search=temp.clerk")
        row = "#user-table tr[data-username='temp.clerk']"
        self.click(f"{row} a")
        self.type_into("#user-phone_number", "0712 345")
        self.click("#user-save")
        self.text_in("#user-phone_number-error", "Phone")
        self.type_into("#user-phone_number", "+254712345678")
        Select(self.find("#user-role-select")).select_by_value("cashier")
        self.click("#user-save")
        self.text_in(row, "cashier")
        self.click(f"{row} button:nth-of-type(1)")  # Deactivate
        self.text_in(row, "inactive")
        _, detail = self.api("admin", "GET", f"/api/v1/users/{created['data']['id']}")
        self.assertEqual((detail["data"]["role"], detail["data"]["phone_number"], detail["data"]["is_active"]),
                         ("cashier", "+254712345678", False))
        # An admin cannot delete themselves: the refusal is shown in words.
        self.driver.get(f"{self.base}/#/users?search=admin%40duka.local")
        self.click("#user-table tr[data-username='admin'] button.danger")
        self.confirm()
        self.text_in("#page-error", "cannot delete")
        self.driver.get(f"{self.base}/#/users?search=temp.clerk")
        self.click(f"{row} button.danger")
        self.text_in("#confirm-text", "temp.clerk")
        self.confirm()
        self.text_in("#notice", "User deleted successfully")
        status, _ = self.api("admin", "GET", f"/api/v1/users/{created['data']['id']}")
        self.assertEqual(status, 404)

    def test_long_lists_paginate(self):
        self.sign_in("employee", demo_password("employee"))
        self.click("#nav a[href='#/customers']")
        self.text_in("#page-status", "Page 1 of 8")
        first = self.find("#customer-table tbody tr").get_attribute("data-id")
        self.click("#page-next")
        self.text_in("#page-status", "Page 2 of 8")
        self.assertNotEqual(self.find("#customer-table tbody tr").get_attribute("data-id"), first)
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "#customer-table tbody tr")), 20)
        self.click("#page-prev")
        self.text_in("#page-status", "Page 1 of 8")

    def test_a_session_revoked_elsewhere_returns_to_sign_in(self):
        status, created = self.api("admin", "POST", "/api/v1/users", {
            "username": "brief.cashier", "email": "brief@duka.local", "password": "brief-pass-1", "role": "cashier"})
        self.assertEqual(status, 201)
        self.sign_in("brief.cashier", "brief-pass-1")
        self.find("#till-customer-search")
        self.api("admin", "POST", f"/api/v1/users/{created['data']['id']}/toggle-status")
        self.click("#nav a[href='#/users']")
        self.text_in("#signin-error", "Your session has ended")

    # ------------------------------------------------------------ selling (API.md section 7)

    def serve(self, customer):
        """At the till: find a customer by username and open (or resume) their cart."""
        self.driver.get(f"{self.base}/#/till")
        self.type_into("#till-customer-search", customer["username"])
        self.click("#till-customer-find")
        self.click(f"#till-customers button[data-customer='{customer['username']}']")
        self.find("#cart-panel[data-status='active']")

    def add_line(self, sku, quantity, lines):
        self.type_into("#add-quantity", quantity)
        self.type_into("#product-search", sku + "\n")
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#cart-lines tbody tr")) == lines)

    def sale_of(self, cart_id):
        status, cart = self.api(self.cashier, "GET", f"/api/v1/carts/{cart_id}")
        self.assertEqual(status, 200)
        return cart["data"]

    def assert_printout_fits(self, css, width=48):
        text = self.find(css).text
        self.assertTrue(text.strip())
        self.assertEqual([line for line in text.split("\n") if len(line) > width], [], f"{css}: lines past {width} columns")
        return text

    def test_selling_a_day_at_the_till_from_float_to_z_report(self):
        self.sign_in("cashier", demo_password("cashier"))
        # A token of its own: another test signs the cashier out everywhere.
        self.cashier = self.login_token("cashier", demo_password("cashier"))
        # The demo's cashier shift is closed: open a new one with a float.
        self.driver.get(f"{self.base}/#/shift")
        self.type_into("#shift-float", "2000")
        self.click("#shift-open")
        shift_id = int(self.find("#shift-current").get_attribute("data-shift"))
        _, shift = self.api(self.cashier, "GET", "/api/v1/shifts/current")
        self.assertEqual((shift["data"]["id"], shift["data"]["opening_float"]), (shift_id, "2000.00"))
        self.assert_labelled("the shift screen")

        # 1. Cash with change: two loaves (130.00), 200 in cash, 70.00 back.
        self.serve(self.customer_without_active_cart(offset=4))
        self.add_line("BREAD-400", "2", 1)
        cash_cart = self.find("#cart-panel").get_attribute("data-cart")
        self.type_into("#pay-cash", "200")
        self.text_in("#pay-change", "Change KES 70.00")
        self.assert_labelled("the tender form")
        self.click("#cart-pay")
        self.text_in("#sale-change", "Change KES 70.00")
        sale = self.sale_of(cash_cart)
        self.assertEqual((sale["payment_status"], sale["change"], sale["shift_id"]), ("paid", "70.00", shift_id))
        receipt = self.assert_printout_fits("#receipt-text")
        for needed in (sale["receipt_number"], "130.00", "CHANGE", "70.00", "VAT"):
            self.assertIn(needed, receipt)
        self.assertEqual(self.find("#sale-done").get_attribute("data-receipt"), sale["receipt_number"])
        self.driver.save_screenshot(os.path.join(SHOTS, "test_selling_cash_sale_receipt.png"))

        # 2. M-Pesa: one loaf, paid exactly with a confirmation code typed in lower case.
        self.click("#till-new-sale")
        self.serve(self.customer_without_active_cart(offset=5))
        self.add_line("BREAD-400", "1", 1)
        mpesa_cart = self.find("#cart-panel").get_attribute("data-cart")
        self.type_into("#pay-mpesa", "65")
        self.type_into("#pay-mpesa-code", "sbc4h7q2xy")
        self.text_in("#pay-change", "Change KES 0.00")
        self.click("#cart-pay")
        self.find("#sale-done")
        sale = self.sale_of(mpesa_cart)
        self.assertEqual([(p["method"], p["amount"], p["reference"]) for p in sale["payments"]], [("mpesa", "65.00", "SBC4H7Q2XY")])

        # 3. Split: three loaves (195.00), 100 on card, the rest in exact cash.
        self.click("#till-new-sale")
        self.serve(self.customer_without_active_cart(offset=6))
        self.add_line("BREAD-400", "3", 1)
        split_cart = self.find("#cart-panel").get_attribute("data-cart")
        self.type_into("#pay-card", "100")
        self.type_into("#pay-card-ref", "VISA-1234")
        self.text_in("#pay-change", "Still due KES 95.00")
        self.click("#pay-exact-cash")
        self.assertEqual(self.find("#pay-cash").get_attribute("value"), "95.00")
        self.click("#cart-pay")
        self.text_in("#sale-change", "Change KES 0.00")
        sale = self.sale_of(split_cart)
        self.assertEqual([(p["method"], p["amount"]) for p in sale["payments"]], [("card", "100.00"), ("cash", "95.00")])

        # 4. A partial return of the cash sale: a cashier needs a manager's approval.
        cash_sale = self.sale_of(cash_cart)
        self.driver.get(f"{self.base}/#/returns")
        self.type_into("#returns-receipt", cash_sale["receipt_number"].lower())
        self.click("#returns-find")
        item = cash_sale["items"][0]["id"]
        self.type_into(f"#refund-qty-{item}", "1")
        self.text_in("#refund-total", "Refund KES 65.00")
        self.type_into("#refund-reason", "Stale loaf")
        self.assert_labelled("the refund form")
        self.type_into("#approval-username", "manager")
        self.type_into("#approval-password", "not-the-password")
        self.click("#refund-submit")
        self.text_in("#refund-error", "approval")
        self.type_into("#approval-password", demo_password("manager"))
        self.click("#refund-submit")
        credit_note = self.find("#refund-done").get_attribute("data-credit-note")
        self.assert_printout_fits("#credit-note-text")
        _, refunds = self.api(self.cashier, "GET", f"/api/v1/refunds?cart_id={cash_cart}")
        refund = refunds["data"]["refunds"][0]
        _, manager = self.api(self.login_token("manager", demo_password("manager")), "GET", "/api/v1/auth/me")
        self.assertEqual((refund["credit_note_number"], refund["total"], refund["approved_by"], refund["shift_id"]),
                         (credit_note, "65.00", manager["data"]["id"], shift_id))
        self.assertEqual(self.sale_of(cash_cart)["refunded_total"], "65.00")

        # 5. A pay-out, the X report, then the close and its Z report.
        self.driver.get(f"{self.base}/#/shift")
        self.find("#shift-report[data-status='open']")
        Select(self.find("#cash-type")).select_by_value("pay_out")
        self.type_into("#cash-amount", "50")
        self.type_into("#cash-reason", "Boda boda")
        self.click("#cash-submit")
        # float 2000 + cash kept (130 + 95) − refund 65 − pay-out 50
        self.text_in("#x-expected", "KES 2,110.00")
        _, x = self.api(self.cashier, "GET", f"/api/v1/shifts/{shift_id}/report")
        self.assertEqual((x["data"]["sales_count"], x["data"]["expected_cash"]), (3, "2110.00"))
        self.assert_printout_fits("#shift-report-text")
        self.type_into("#close-counted", "2100")
        self.click("#shift-close")
        self.confirm()
        self.find("#shift-report[data-status='closed']")
        self.text_in("#z-difference", "KES -10.00")
        self.assertIn("Z REPORT", self.assert_printout_fits("#shift-report-text"))
        _, z = self.api(self.cashier, "GET", f"/api/v1/shifts/{shift_id}")
        self.assertEqual((z["data"]["status"], z["data"]["counted_cash"], z["data"]["difference"]), ("closed", "2100.00", "-10.00"))
        self.driver.save_screenshot(os.path.join(SHOTS, "test_selling_z_report.png"))

    def test_stock_received_sold_by_scanning_and_low(self):
        manager = self.login_token("manager", demo_password("manager"))
        _, product = self.api(manager, "GET", "/api/v1/products/by-barcode/6160010000002")  # Jogoo maize flour 2kg
        product = product["data"]["product"]
        self.api(manager, "PUT", f"/api/v1/products/{product['id']}", {"low_stock_threshold": "1000"})

        def level():
            _, levels = self.api(manager, "GET", f"/api/v1/products/{product['id']}/stock")
            return next(l["quantity"] for l in levels["data"]["levels"] if l["branch_id"] == 1)

        # The manager receives 5 by scanning the product's barcode into the form.
        before = level()
        self.sign_in("manager", demo_password("manager"))
        self.driver.get(f"{self.base}/#/stock")
        self.type_into("#receive-code", "6160010000002")
        self.type_into("#receive-quantity", "5")
        self.type_into("#receive-cost", "150")
        self.click("#receive-submit")
        self.wait.until(lambda d: level() == f"{float(before) + 5:.3f}")
        self.assert_labelled("the stock screen")
        # The low-stock list shows it (its threshold is far above the level).
        self.click("#stock-low")
        self.click("#stock-apply")
        self.find(f"#stock-levels tr[data-sku='{product['sku']}']")
        self.driver.save_screenshot(os.path.join(SHOTS, "test_stock_low_list.png"))
        self.sign_out()
        manager = self.login_token("manager", demo_password("manager"))  # signing out ended every manager session

        # A cashier scans it at the till: digits and Enter in the product field.
        self.sign_in("cashier", demo_password("cashier"))
        self.serve(self.customer_without_active_cart(offset=8))
        self.type_into("#add-quantity", "2")
        self.type_into("#product-search", "6160010000002\n")
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#cart-lines tbody tr")) == 1)
        cart_id = self.find("#cart-panel").get_attribute("data-cart")
        _, cart = self.api(manager, "GET", f"/api/v1/carts/{cart_id}")
        self.assertEqual([(i["product_id"], i["quantity"]) for i in cart["data"]["items"]], [(product["id"], "2.000")])
        self.click("#cart-checkout")
        self.find("#cart-outcome")
        self.assertEqual(level(), f"{float(before) + 3:.3f}")
        # Back under its threshold once more: the manager lowers the threshold and the list empties of it.
        self.api(manager, "PUT", f"/api/v1/products/{product['id']}", {"low_stock_threshold": "1"})
        _, low = self.api(manager, "GET", "/api/v1/stock?low=true&limit=100")
        self.assertNotIn(product["id"], [l["product_id"] for l in low["data"]["levels"]])

    def test_manager_imports_a_catalogue_after_a_checked_preview(self):
        folder = tempfile.mkdtemp(prefix="duka-import-")
        bad, good = os.path.join(folder, "bad.csv"), os.path.join(folder, "good.csv")
        with open(bad, "w", newline="") as f:
            f.write("sku,name,unit_price\r\nCHAI-1,Chai masala,45.505\r\nMANDAZI-1,,10\r\n")
        with open(good, "w", newline="") as f:
            f.write("sku,name,unit_price,barcodes\r\nCHAI-1,Chai masala,45.50,96385074\r\nMANDAZI-1,Mandazi,10,\r\n")
        self.sign_in("manager", demo_password("manager"))
        self.driver.get(f"{self.base}/#/products")
        self.click("#products-import")
        self.find("#import-file").send_keys(bad)
        self.click("#import-check")
        # The dry run's problems, by row, and nothing written.
        self.text_in("#import-errors", "is required for a new product")
        self.text_in("#import-errors", "unit_price")
        self.assertFalse(self.driver.find_elements(By.CSS_SELECTOR, "#import-commit"))
        _, listing = self.api("manager", "GET", "/api/v1/products?search=CHAI-1&include_inactive=true")
        self.assertEqual(listing["data"]["pagination"]["total_data"], 0)
        # A fresh form with the fixed file: checked, then imported.
        self.driver.get(f"{self.base}/#/products")
        self.click("#products-import")
        self.find("#import-file").send_keys(good)
        self.click("#import-check")
        self.text_in("#import-counts", "2 new, 0 changed")
        self.click("#import-commit")
        self.text_in("#notice", "2 created, 0 updated")
        status, found = self.api("manager", "GET", "/api/v1/products/by-barcode/96385074")
        self.assertEqual((status, found["data"]["product"]["sku"], found["data"]["product"]["unit_price"]), (200, "CHAI-1", "45.50"))

    def test_settings_an_admin_names_the_shop_and_adds_a_branch(self):
        self.sign_in("admin", demo_password("admin"))
        self.driver.get(f"{self.base}/#/settings")
        self.type_into("#shop-receipt_footer", "Karibu tena!")
        self.type_into("#shop-kra_pin", "bad pin")
        self.click("#shop-save")
        self.text_in("#page-error", "kra pin")
        self.type_into("#shop-kra_pin", "p051234567x")
        self.click("#shop-save")
        self.wait.until(lambda d: self.api("admin", "GET", "/api/v1/shop")[1]["data"]["receipt_footer"] == "Karibu tena!")
        self.assertEqual(self.api("admin", "GET", "/api/v1/shop")[1]["data"]["kra_pin"], "P051234567X")
        self.type_into("#branch-code", "ksm")
        self.type_into("#branch-name", "Kisumu")
        self.click("#branch-add")
        self.find("#branches tr[data-branch='KSM']")
        _, branches = self.api("admin", "GET", "/api/v1/branches?limit=100")
        self.assertIn(("KSM", "Kisumu", True), [(b["code"], b["name"], b["is_active"]) for b in branches["data"]["branches"]])
        self.assert_labelled("settings")

    # ------------------------------------------------------------ data helpers

    def customer_without_active_cart(self, offset=0):
        """An active, not deleted customer with no open cart (the demo has many)."""
        _, carts = self.api("employee", "GET", "/api/v1/carts?status=active&limit=100")
        busy = {cart["user_id"] for cart in carts["data"]["carts"]}
        _, listing = self.api("employee", "GET", "/employee/customers?is_active=true&per_page=100&page=1")
        free = [c for c in listing["customers"] if c["id"] not in busy and c["role"] == "customer"]
        return free[10 + offset * 7]

    def login_token(self, username, password):
        status, answer = harness.request(self.server.port, "POST", "/api/v1/auth/login",
                                         {"username": username, "password": password})
        self.assertEqual(status, 200)
        return answer["data"]["access_token"]

    @staticmethod
    def shillings(amount):
        whole, cents = amount.split(".")
        return f"KES {int(whole):,}.{cents}"


if __name__ == "__main__":
    unittest.main(verbosity=2)
