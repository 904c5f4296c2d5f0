#!/usr/bin/env python3
"""Writes openapi.json: the OpenAPI 3.1 description of Duka's HTTP API (../shared/API.md).

openapi.json is committed and compiled into the binary (scripts/embed-resources);
a test checks that it describes exactly the routes the server serves. Run both
scripts after changing this one.
"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties, required=None, extra=False):
    schema = {"type": "object", "properties": properties, "required": sorted(required if required is not None else properties)}
    if not extra:
        schema["additionalProperties"] = False
    return schema


TIME = {"type": "string", "format": "date-time", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
UUID = {"type": "string", "format": "uuid"}
MONEY = {"type": "string", "pattern": r"^\d+\.\d{2}$"}
QUANTITY = {"type": "string", "pattern": r"^\d+\.\d{3}$"}
ID = {"type": "integer", "minimum": 0}
ROLE = {"type": "string", "enum": ["admin", "manager", "cashier", "employee", "customer"]}
OPT_TEXT = {"type": ["string", "null"], "maxLength": 100}
MONEY_IN = {"oneOf": [{"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}, {"type": "number", "minimum": 0, "maximum": 10000000}]}
QUANTITY_IN = {"oneOf": [{"type": "string", "pattern": r"^\d+(\.\d{1,3})?$"}, {"type": "number", "exclusiveMinimum": 0, "maximum": 1000000}]}

PROFILE = {k: OPT_TEXT for k in ["full_name", "id_number", "phone_number", "county", "town", "street"]}
USER = {"id": UUID, "username": {"type": "string"}, "email": {"type": "string"}, "role": ROLE,
        "is_active": {"type": "boolean"}, "created_at": TIME, "updated_at": TIME}

schemas = {
    "Error": obj({"message": {"type": "string"}, "code": {"type": "string"},
                  "errors": {"type": "object", "additionalProperties": {"type": "string"}}}, ["message", "code"]),
    "Message": obj({"message": {"type": "string"}}),
    "User": obj(USER),
    "UserDetail": obj({**USER, **PROFILE, "deleted_at": NULLABLE_TIME}),
    "Customer": obj({"id": ID, "uuid": UUID, "username": {"type": "string"}, "email": {"type": "string"},
                     "role": {"const": "customer"}, "is_active": {"type": "boolean"}, "deleted_at": NULLABLE_TIME,
                     "created_at": TIME, "updated_at": TIME, **PROFILE}),
    "CartItem": obj({"id": ID, "cart_id": ID, "product_id": ID, "quantity": QUANTITY,
                     "sale_channel": {"type": "string", "enum": ["online", "in_store"]}, "unit_price": MONEY,
                     "line_total": MONEY, "created_at": TIME, "updated_at": TIME}),
}
CART_BASE = {"id": ID, "user_id": ID, "status": {"type": "string", "enum": ["active", "checked_out", "abandoned"]},
             "created_at": TIME, "updated_at": TIME, "items": {"type": "array", "items": ref("CartItem")},
             "items_count": {"type": "integer", "minimum": 0}}
schemas["PortalCart"] = obj(CART_BASE)
# Section 7: the v1 objects gain selling fields; the portal's (section 3) never change.
SIGNED_MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}
NULLABLE_MONEY = {"type": ["string", "null"], "pattern": r"^-?\d+\.\d{2}$"}
TAX_CLASS = {"type": "string", "enum": ["A", "B", "C", "D", "E"]}
METHOD = {"type": "string", "enum": ["cash", "mpesa", "card"]}
schemas["CartItemV1"] = obj({**schemas["CartItem"]["properties"], "tax_class": TAX_CLASS, "vat": MONEY})
schemas["Payment"] = obj({"id": ID, "method": METHOD, "amount": MONEY, "reference": {"type": ["string", "null"]},
                          "created_at": TIME})
schemas["VATLine"] = obj({"tax_class": TAX_CLASS, "rate": MONEY, "total": MONEY, "vat": MONEY, "net": MONEY})
PAYMENTS = {"type": "array", "items": ref("Payment")}
VAT = {"type": "array", "items": ref("VATLine")}
schemas["Cart"] = obj({**CART_BASE, "items": {"type": "array", "items": ref("CartItemV1")}, "total": MONEY,
                       "branch_id": ID, "receipt_number": {"type": ["string", "null"]},
                       "payment_status": {"type": "string", "enum": ["unpaid", "paid"]}, "payments": PAYMENTS,
                       "change": MONEY, "shift_id": {"type": ["integer", "null"], "minimum": 0}, "refunded_total": MONEY,
                       "vat": VAT, "vat_total": MONEY})
schemas["CustomerDetail"] = obj({**schemas["Customer"]["properties"], "carts": {"type": "array", "items": ref("PortalCart")},
                                 "total_carts": {"type": "integer", "minimum": 0}})
schemas["Product"] = obj({"id": ID, "sku": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
                          "unit": {"type": "string"}, "unit_price": MONEY, "is_active": {"type": "boolean"},
                          "tax_class": TAX_CLASS, "created_at": TIME, "updated_at": TIME, "track_stock": {"type": "boolean"},
                          "allow_negative_stock": {"type": "boolean"},
                          "low_stock_threshold": {"type": ["string", "null"], "pattern": r"^\d+\.\d{3}$"},
                          "barcodes": {"type": "array", "items": {"type": "string"}}})
schemas["Pagination"] = obj({k: {"type": "integer", "minimum": 0} for k in ["current_page", "per_page", "total_data", "total_page"]})
schemas["PortalPagination"] = obj({"page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
                                   "total": {"type": "integer", "minimum": 0}, "pages": {"type": "integer", "minimum": 0},
                                   "has_next": {"type": "boolean"}, "has_prev": {"type": "boolean"}})
schemas["AuditEntry"] = obj({"id": ID, "actor_id": UUID, "actor_username": {"type": "string"}, "action": {"type": "string"},
                             "target_type": {"type": "string", "enum": ["user", "product", "cart", "cart_item", "shop", "branch", "refund", "shift"]},
                             "target_id": {"type": "string"}, "created_at": TIME})
schemas["Login"] = obj({"username": {"type": "string", "maxLength": 254}, "password": {"type": "string"}}, extra=True)
USER_IN = {"username": {"type": "string", "minLength": 3, "maxLength": 50, "pattern": r"^[A-Za-z0-9._-]+$"},
           "email": {"type": "string", "maxLength": 100, "format": "email"},
           "password": {"type": "string", "minLength": 6, "maxLength": 100}, "role": ROLE, "is_active": {"type": "boolean"},
           **PROFILE, "phone_number": {"type": ["string", "null"], "pattern": r"^\+[1-9][0-9]{7,14}$"}}
schemas["Register"] = obj({k: v for k, v in USER_IN.items() if k not in ("role", "is_active")},
                          ["username", "email", "password", "full_name", "phone_number"], extra=True)
schemas["UserCreate"] = obj(USER_IN, ["username", "email", "password", "role"], extra=True)
schemas["UserUpdate"] = obj(USER_IN, [], extra=True)
PRODUCT_IN = {"sku": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[A-Za-z0-9._-]+$"},
              "name": {"type": "string", "minLength": 1, "maxLength": 200},
              "description": {"type": ["string", "null"], "maxLength": 2000},
              "unit": {"type": "string", "minLength": 1, "maxLength": 16}, "unit_price": MONEY_IN, "is_active": {"type": "boolean"},
              "tax_class": TAX_CLASS, "track_stock": {"type": "boolean"}, "allow_negative_stock": {"type": "boolean"},
              "low_stock_threshold": {"oneOf": [{"type": "string", "pattern": r"^\d+(\.\d{1,3})?$"}, {"type": "number", "minimum": 0},
                                                {"type": "null"}]},
              "barcodes": {"type": ["array", "null"], "maxItems": 20,
                           "items": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[A-Za-z0-9._-]+$"}}}
schemas["ProductCreate"] = obj(PRODUCT_IN, ["sku", "name", "unit_price"], extra=True)
schemas["ProductUpdate"] = obj(PRODUCT_IN, [], extra=True)
schemas["CartOpen"] = {"type": "object", "properties": {"customer_id": ID, "customer_uuid": UUID, "branch_id": ID},
                       "description": "Staff only, exactly one of customer_id and customer_uuid; branch_id (an active branch) "
                                      "when the caller has no open shift; a customer's body is ignored."}
schemas["CartItemAdd"] = obj({"product_id": ID, "barcode": {"type": "string", "maxLength": 64}, "quantity": QUANTITY_IN}, [], extra=True)
schemas["CartItemAdd"]["description"] = ("`product_id` and `quantity`; or `barcode` (a product's own: `quantity` defaults to 1.000; "
                                         "a scale label: the label gives the quantity)")
schemas["CartItemUpdate"] = obj({"quantity": QUANTITY_IN}, extra=True)


def envelope(data=None):
    properties = {"message": {"type": "string"}}
    if data is not None:
        properties["data"] = data
    return obj(properties)


def listing(key, item):
    return envelope(obj({key: {"type": "array", "items": ref(item)}, "pagination": ref("Pagination")}))


ERRORS = {
    "400": "Bad request: malformed JSON, a bad parameter or field (`errors` names it), or a state error",
    "401": "No valid token",
    "403": "Not allowed: the role, a deactivated account, or a cross-site request without Authorization (its Origin is not this server's nor a --cors-origin)",
    "404": "Not found",
    "409": "Conflict: a duplicate or a guard", "413": "Body over 1 MiB", "415": "Body is not JSON",
    "429": "Too many failed logins (per account or address), or registrations from one address",
    "503": "The database cannot take the change",
}


def error(code):
    response = {"description": ERRORS[code], "content": {"application/json": {"schema": ref("Error")}}}
    if code == "401":
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    if code == "429":
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return response


def op(summary, tag, ok, schema, errors, auth=True, body=None, params=(), body_required=True):
    operation = {"summary": summary, "tags": [tag], "operationId": None, "responses": {
        ok: {"description": "Success", "content": {"application/json": {"schema": schema}}}}}
    for code in errors:
        operation["responses"][code] = error(code)
    if auth:
        operation["responses"].setdefault("401", error("401"))
    else:
        operation["security"] = []
    if body:
        operation["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": ref(body)}}}
        for code in ("400", "413", "415"):
            operation["responses"].setdefault(code, error(code))
    if params:
        operation["parameters"] = list(params)
    return operation


def query(name, schema, description=""):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


SEARCH = query("search", {"type": "string", "maxLength": 200},
               "Case-insensitive substring; at most 200 characters, no control characters (else 400 validation_failed).")


def path_id(name="id", uuid=False):
    return {"name": name, "in": "path", "required": True,
            "schema": UUID if uuid else {"type": "integer", "minimum": 0, "maximum": 9223372036854775807}}


PAGE = query("page", {"type": "integer", "minimum": 1, "default": 1})
LIMIT = query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10})
BOOL = {"type": "string", "enum": ["true", "false", "1", "0"]}
customer_detail = obj({"customer": ref("CustomerDetail")})
customer_change = obj({"message": {"type": "string"}, "customer": ref("Customer")})

paths = {
    "/healthz": {"get": op("Liveness", "operations", "200", obj({"status": {"const": "ok"}}), [], auth=False)},
    "/readyz": {"get": op("Readiness: the database answers", "operations", "200", obj({"status": {"const": "ok"}}), ["503"], auth=False)},
    "/openapi.json": {"get": op("This document", "operations", "200", {"type": "object"}, [], auth=False)},
    "/api/v1/auth/login": {"post": op("Log in by username or email", "auth", "200", envelope(obj({
        "access_token": {"type": "string"}, "token_type": {"const": "Bearer"}, "expires_in": {"type": "integer"},
        "user": ref("User")})), ["401", "403", "429"], auth=False, body="Login")},
    "/api/v1/auth/logout": {"post": op("Log out everywhere", "auth", "200", ref("Message"), [])},
    "/api/v1/auth/me": {"get": op("The signed-in user", "auth", "200", envelope(ref("UserDetail")), [])},
    "/api/v1/auth/register": {"post": op("Customer self sign-up", "auth", "201", envelope(ref("UserDetail")), ["409", "429"], auth=False, body="Register")},
    "/employee/dashboard": {"get": op("Dashboard figures", "employee portal", "200", obj({
        k: {"type": "integer", "minimum": 0} for k in ["total_customers", "total_products", "total_carts"]}), ["403"])},
    "/employee/customers": {"get": op("Customers by id", "employee portal", "200", obj({
        "customers": {"type": "array", "items": ref("Customer")}, "pagination": ref("PortalPagination")}), ["400", "403"], params=[
        PAGE, query("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
        query("include_deleted", BOOL), query("is_active", BOOL), SEARCH])},
    "/employee/customers/{id}": {
        "parameters": [path_id()],
        "get": op("A customer with carts", "employee portal", "200", customer_detail, ["400", "403", "404"]),
        "delete": op("Soft-delete a customer", "employee portal", "200", customer_change, ["400", "403", "404"]),
    },
}
for action in ["restore", "activate", "deactivate"]:
    paths[f"/employee/customers/{{id}}/{action}"] = {"parameters": [path_id()], "post": op(
        f"{action.capitalize()} a customer", "employee portal", "200", customer_change, ["400", "403", "404"])}
paths["/api/v1/users"] = {
    "get": op("List users", "users", "200", listing("users", "User"), ["400", "403"], params=[
        PAGE, LIMIT, SEARCH, query("role", ROLE),
        query("status", {"type": "string", "enum": ["active", "deleted", "all"]}),
        query("sort_by", {"type": "string", "enum": ["created_at", "username"]}),
        query("sort_order", {"type": "string", "enum": ["asc", "desc"]})]),
    "post": op("Create a user", "users", "201", envelope(ref("User")), ["403", "409"], body="UserCreate"),
}
paths["/api/v1/users/{id}"] = {
    "parameters": [path_id(uuid=True)],
    "get": op("A user", "users", "200", envelope(ref("UserDetail")), ["400", "403", "404"]),
    "put": op("Update a user", "users", "200", envelope(ref("User")), ["403", "404", "409"], body="UserUpdate"),
    "delete": op("Hard-delete a user", "users", "200", ref("Message"), ["400", "403", "404", "409"]),
}
paths["/api/v1/users/{id}/toggle-status"] = {"parameters": [path_id(uuid=True)], "post": op(
    "Flip is_active", "users", "200", envelope(ref("User")), ["400", "403", "404", "409"])}
paths["/api/v1/audit-log"] = {"get": op("Audit log, newest first", "operations", "200", listing("entries", "AuditEntry"), ["400", "403"],
                                        params=[PAGE, LIMIT, query("actor", UUID), query("action", {"type": "string"})])}
paths["/api/v1/products"] = {
    "get": op("List products", "catalogue", "200", listing("products", "Product"), ["400"], params=[
        PAGE, LIMIT, SEARCH, query("include_inactive", BOOL)]),
    "post": op("Create a product", "catalogue", "201", envelope(ref("Product")), ["403", "409"], body="ProductCreate"),
}
paths["/api/v1/products/{id}"] = {
    "parameters": [path_id()],
    "get": op("A product", "catalogue", "200", envelope(ref("Product")), ["400", "404"]),
    "put": op("Update a product", "catalogue", "200", envelope(ref("Product")), ["403", "404", "409"], body="ProductUpdate"),
    "delete": op("Delete a product", "catalogue", "200", ref("Message"), ["400", "403", "404", "409"]),
}
paths["/api/v1/carts"] = {
    "get": op("List carts (a customer's own; all for staff)", "carts", "200", listing("carts", "Cart"), ["400"], params=[
        PAGE, LIMIT, query("status", {"type": "string", "enum": ["active", "checked_out", "abandoned"]}),
        query("customer_id", {"type": "integer", "minimum": 0}),
        query("customer_uuid", UUID, "Staff: the customer's uuid (as the users API shows); at most one of the two filters"),
        query("branch_id", ID), query("receipt_number", {"type": "string", "maxLength": 20}, "The sale with this receipt number (any case)")]),
    "post": op("Open a cart", "carts", "201", envelope(ref("Cart")), ["400", "409", "415"], body="CartOpen", body_required=False),
}
paths["/api/v1/carts/{id}"] = {"parameters": [path_id()], "get": op("A cart", "carts", "200", envelope(ref("Cart")), ["400", "404"])}
paths["/api/v1/carts/{id}/items"] = {"parameters": [path_id()], "post": op(
    "Add a line", "carts", "201", envelope(ref("Cart")), ["404"], body="CartItemAdd")}
paths["/api/v1/carts/{id}/items/{item}"] = {
    "parameters": [path_id(), path_id("item")],
    "patch": op("Change a line's quantity", "carts", "200", envelope(ref("Cart")), ["404"], body="CartItemUpdate"),
    "delete": op("Remove a line", "carts", "200", envelope(ref("Cart")), ["400", "404"]),
}
paths["/api/v1/carts/{id}/checkout"] = {"parameters": [path_id()], "post": op(
    "Check out the cart, optionally paid with tenders", "carts", "200", envelope(ref("Cart")), ["400", "404", "409", "415"],
    body="Checkout", body_required=False)}
paths["/api/v1/carts/{id}/abandon"] = {"parameters": [path_id()], "post": op(
    "Abandon the cart", "carts", "200", envelope(ref("Cart")), ["400", "404"])}

schemas["SalesReport"] = obj({
    "carts_by_status": obj({k: {"type": "integer", "minimum": 0} for k in ["active", "checked_out", "abandoned"]}),
    "days": {"type": "array", "items": obj({
        "date": {"type": "string", "format": "date"}, "carts": {"type": "integer", "minimum": 0},
        "total": {**SIGNED_MONEY, "description": "Sales checked out that day minus refunds made that day"}})}})
paths["/api/v1/reports/sales"] = {"get": op(
    "Carts by status and checked-out sales per UTC day (the console's dashboard; roles employee, admin)", "operations", "200",
    envelope(ref("SalesReport")), ["400", "403"], params=[query("days", {"type": "integer", "minimum": 1, "maximum": 366, "default": 30}), query("branch_id", ID)])}

# Section 7: selling.
TENDER_IN = obj({"method": METHOD, "amount": MONEY_IN, "reference": {"type": ["string", "null"], "maxLength": 64}}, ["method", "amount"],
                extra=True)
TENDERS_IN = {"type": "array", "items": TENDER_IN, "maxItems": 20}
schemas["Checkout"] = obj({"payments": TENDERS_IN}, [], extra=True)
SHOP = {"name": {"type": "string"}, "kra_pin": {"type": "string"}, "address": {"type": "string"}, "phone": {"type": "string"},
        "receipt_footer": {"type": "string"}, "scale_barcode_value": {"type": "string", "enum": ["weight", "price"]}}
schemas["Shop"] = obj({**SHOP, "updated_at": TIME})
schemas["ShopUpdate"] = obj({"name": {"type": "string", "minLength": 1, "maxLength": 100},
                             "kra_pin": {"type": ["string", "null"], "pattern": r"^([AaPp][0-9]{9}[A-Za-z])?$"},
                             "address": {"type": ["string", "null"], "maxLength": 200},
                             "phone": {"type": ["string", "null"], "maxLength": 20},
                             "receipt_footer": {"type": ["string", "null"], "maxLength": 500},
                             "scale_barcode_value": SHOP["scale_barcode_value"]}, [], extra=True)
schemas["Branch"] = obj({"id": ID, "code": {"type": "string"}, "name": {"type": "string"}, "is_active": {"type": "boolean"},
                         "created_at": TIME, "updated_at": TIME})
BRANCH_IN = {"code": {"type": "string", "pattern": r"^[A-Za-z0-9]{2,8}$"}, "name": {"type": "string", "minLength": 1, "maxLength": 100},
             "is_active": {"type": "boolean"}}
schemas["BranchCreate"] = obj(BRANCH_IN, ["code", "name"], extra=True)
schemas["BranchUpdate"] = obj(BRANCH_IN, [], extra=True)
schemas["Shift"] = obj({"id": ID, "branch_id": ID, "user_id": UUID, "username": {"type": "string"},
                        "status": {"type": "string", "enum": ["open", "closed"]}, "opening_float": MONEY, "opened_at": TIME,
                        "closed_at": NULLABLE_TIME, "counted_cash": NULLABLE_MONEY, "expected_cash": NULLABLE_MONEY,
                        "difference": NULLABLE_MONEY})
schemas["ShiftOpen"] = obj({"branch_id": ID, "opening_float": MONEY_IN}, extra=True)
schemas["ShiftCashIn"] = obj({"type": {"type": "string", "enum": ["pay_in", "pay_out"]}, "amount": MONEY_IN,
                              "reason": {"type": "string", "minLength": 1, "maxLength": 200}}, extra=True)
schemas["ShiftCash"] = obj({"id": ID, "shift_id": ID, "type": {"type": "string", "enum": ["pay_in", "pay_out"]}, "amount": MONEY,
                            "reason": {"type": "string"}, "created_at": TIME})
schemas["ShiftClose"] = obj({"counted_cash": MONEY_IN}, extra=True)
BY_METHOD = obj({"cash": SIGNED_MONEY, "mpesa": MONEY, "card": MONEY})
schemas["ShiftReport"] = obj({"shift": ref("Shift"), "sales_count": {"type": "integer", "minimum": 0}, "sales_total": MONEY,
                              "by_method": BY_METHOD, "vat": VAT, "refunds_count": {"type": "integer", "minimum": 0},
                              "refunds_total": MONEY, "refunds_by_method": BY_METHOD, "pay_ins": MONEY, "pay_outs": MONEY,
                              "expected_cash": SIGNED_MONEY, "counted_cash": NULLABLE_MONEY, "difference": NULLABLE_MONEY})
schemas["RefundLine"] = obj({"item_id": ID, "product_id": ID, "quantity": QUANTITY, "unit_price": MONEY, "line_total": MONEY,
                             "tax_class": TAX_CLASS, "vat": MONEY})
schemas["Refund"] = obj({"id": ID, "credit_note_number": {"type": "string"}, "cart_id": ID, "receipt_number": {"type": "string"},
                         "branch_id": ID, "shift_id": {"type": ["integer", "null"], "minimum": 0},
                         "lines": {"type": "array", "items": ref("RefundLine")}, "total": MONEY, "vat": VAT, "vat_total": MONEY,
                         "payments": PAYMENTS, "reason": {"type": "string"}, "created_by": UUID,
                         "approved_by": {"type": ["string", "null"], "format": "uuid"}, "created_at": TIME})
schemas["RefundCreate"] = obj({
    "cart_id": ID, "reason": {"type": "string", "minLength": 1, "maxLength": 200}, "restock": {"type": "boolean"},
    "lines": {"type": "array", "maxItems": 1000, "items": obj({"item_id": ID, "quantity": QUANTITY_IN}, extra=True)},
    "payments": TENDERS_IN,
    "approval": obj({"username": {"type": "string"}, "password": {"type": "string"}}, extra=True)}, ["cart_id", "reason"], extra=True)
PRINTED_LINES = {"type": "array", "items": obj({
    "name": {"type": "string"}, "sku": {"type": "string"}, "quantity": QUANTITY, "unit": {"type": "string"}, "unit_price": MONEY,
    "line_total": MONEY, "tax_class": TAX_CLASS, "vat": MONEY})}
BRANCH_BRIEF = obj({"code": {"type": "string"}, "name": {"type": "string"}})
RECEIPT_CUSTOMER = obj({"id": ID, "full_name": {"type": ["string", "null"]}})
schemas["Receipt"] = obj({
    "receipt_number": {"type": ["string", "null"]}, "issued_at": TIME, "shop": ref("Shop"), "branch": BRANCH_BRIEF,
    "cashier": {"type": ["string", "null"]}, "customer": RECEIPT_CUSTOMER, "lines": PRINTED_LINES, "vat": VAT, "vat_total": MONEY,
    "total": MONEY, "payments": PAYMENTS, "change": MONEY, "payment_status": {"type": "string", "enum": ["unpaid", "paid"]},
    "refunds": {"type": "array", "items": obj({"credit_note_number": {"type": "string"}, "total": MONEY, "created_at": TIME})}})
schemas["CreditNote"] = obj({
    "credit_note_number": {"type": "string"}, "receipt_number": {"type": "string"}, "issued_at": TIME, "shop": ref("Shop"),
    "branch": BRANCH_BRIEF, "cashier": {"type": ["string", "null"]}, "customer": RECEIPT_CUSTOMER, "lines": PRINTED_LINES,
    "vat": VAT, "vat_total": MONEY, "total": MONEY, "payments": PAYMENTS, "reason": {"type": "string"}})
PRINT_PARAMS = [query("format", {"type": "string", "enum": ["json", "text", "html"]},
                      "json (default), text or html; without it, an Accept of text/plain or text/html chooses"),
                query("width", {"type": "integer", "enum": [32, 48], "default": 48}, "Columns of the text layout")]


def printed(summary, tag, schema, errors):
    """An operation answering JSON, or the same document as text or printable HTML."""
    operation = op(summary, tag, "200", envelope(schema), errors, params=PRINT_PARAMS)
    content = operation["responses"]["200"]["content"]
    content["text/plain"] = {"schema": {"type": "string"}}
    content["text/html"] = {"schema": {"type": "string"}}
    return operation


paths["/api/v1/carts/{id}/receipt"] = {"parameters": [path_id()], "get": printed(
    "A checked-out cart's receipt", "selling", ref("Receipt"), ["400", "404"])}
paths["/api/v1/shop"] = {
    "get": op("The shop", "selling", "200", envelope(ref("Shop")), ["403"]),
    "put": op("Update the shop", "selling", "200", envelope(ref("Shop")), ["403"], body="ShopUpdate"),
}
paths["/api/v1/branches"] = {
    "get": op("List branches by id", "selling", "200", listing("branches", "Branch"), ["400", "403"], params=[PAGE, LIMIT]),
    "post": op("Create a branch", "selling", "201", envelope(ref("Branch")), ["403", "409"], body="BranchCreate"),
}
paths["/api/v1/branches/{id}"] = {
    "parameters": [path_id()],
    "get": op("A branch", "selling", "200", envelope(ref("Branch")), ["400", "403", "404"]),
    "put": op("Update a branch", "selling", "200", envelope(ref("Branch")), ["403", "404", "409"], body="BranchUpdate"),
}
paths["/api/v1/shifts"] = {
    "get": op("List shifts, newest first (admin, manager: all; others their own)", "selling", "200", listing("shifts", "Shift"),
              ["400", "403"], params=[PAGE, LIMIT, query("status", {"type": "string", "enum": ["open", "closed"]}),
                                      query("branch_id", ID)]),
    "post": op("Open a shift", "selling", "201", envelope(ref("Shift")), ["403", "409"], body="ShiftOpen"),
}
paths["/api/v1/shifts/current"] = {"get": op("The caller's open shift", "selling", "200", envelope(ref("Shift")), ["403", "404"])}
paths["/api/v1/shifts/{id}"] = {"parameters": [path_id()], "get": op(
    "A shift", "selling", "200", envelope(ref("Shift")), ["400", "403", "404"])}
paths["/api/v1/shifts/{id}/cash"] = {"parameters": [path_id()], "post": op(
    "A pay-in or pay-out", "selling", "201", envelope(ref("ShiftCash")), ["403", "404"], body="ShiftCashIn")}
paths["/api/v1/shifts/{id}/report"] = {"parameters": [path_id()], "get": printed(
    "The X report (open) or Z report (closed)", "selling", ref("ShiftReport"), ["400", "403", "404"])}
paths["/api/v1/shifts/{id}/close"] = {"parameters": [path_id()], "post": op(
    "Close the shift with the counted cash; answers the Z report", "selling", "200", envelope(ref("ShiftReport")),
    ["403", "404"], body="ShiftClose")}
paths["/api/v1/refunds"] = {
    "get": op("List refunds, newest first", "selling", "200", listing("refunds", "Refund"), ["400", "403"], params=[
        PAGE, LIMIT, query("cart_id", ID), query("branch_id", ID), query("shift_id", ID)]),
    "post": op("Refund a sale (a credit note)", "selling", "201", envelope(ref("Refund")), ["403", "404", "409", "429"],
               body="RefundCreate"),
}
paths["/api/v1/refunds/{id}"] = {"parameters": [path_id()], "get": op(
    "A refund", "selling", "200", envelope(ref("Refund")), ["400", "403", "404"])}
paths["/api/v1/refunds/{id}/receipt"] = {"parameters": [path_id()], "get": printed(
    "A refund's credit note", "selling", ref("CreditNote"), ["400", "403", "404"])}


# Section 8.1: stock.
SIGNED_QUANTITY = {"type": "string", "pattern": r"^-?\d+\.\d{3}$"}
NULLABLE_QUANTITY = {"type": ["string", "null"], "pattern": r"^\d+\.\d{3}$"}
MOVEMENT_TYPE = {"type": "string", "enum": ["receive", "adjust", "sale", "refund", "transfer_out", "transfer_in"]}
schemas["StockLevel"] = obj({"product_id": ID, "sku": {"type": "string"}, "name": {"type": "string"}, "unit": {"type": "string"},
                             "branch_id": ID, "quantity": SIGNED_QUANTITY, "low_stock_threshold": NULLABLE_QUANTITY,
                             "is_low": {"type": "boolean"}, "last_cost": {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$"}})
schemas["StockMovement"] = obj({"id": ID, "product_id": ID, "branch_id": ID, "type": MOVEMENT_TYPE, "quantity": SIGNED_QUANTITY,
                                "unit_cost": {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$"},
                                "reason": {"type": ["string", "null"]}, "reference": {"type": ["string", "null"]},
                                "cart_id": {"type": ["integer", "null"], "minimum": 0}, "refund_id": {"type": ["integer", "null"], "minimum": 0},
                                "created_by": UUID, "created_at": TIME})
STOCK_LINE_IN = {"product_id": ID, "quantity": QUANTITY_IN}
COUNT_IN = {"oneOf": [{"type": "string", "pattern": r"^\d+(\.\d{1,3})?$"}, {"type": "number", "minimum": 0}]}
schemas["StockReceive"] = obj({"branch_id": ID, "reference": {"type": ["string", "null"], "maxLength": 64}, "lines": {
    "type": "array", "minItems": 1, "maxItems": 1000,
    "items": obj({**STOCK_LINE_IN, "unit_cost": {"oneOf": [MONEY_IN, {"type": "null"}]}}, ["product_id", "quantity"], extra=True)}},
    ["branch_id", "lines"], extra=True)
schemas["StockAdjust"] = obj({"branch_id": ID, "product_id": ID, "counted": COUNT_IN,
                              "delta": {"oneOf": [{"type": "string", "pattern": r"^[-+]?\d+(\.\d{1,3})?$"}, {"type": "number"}]},
                              "reason": {"type": "string", "enum": ["count", "damage", "theft", "expiry", "other"]}},
                             ["branch_id", "product_id", "reason"], extra=True)
schemas["StockTransfer"] = obj({"from_branch_id": ID, "to_branch_id": ID, "lines": {
    "type": "array", "minItems": 1, "maxItems": 1000, "items": obj(STOCK_LINE_IN, extra=True)}}, extra=True)
schemas["StockValuation"] = obj({"branch_id": ID, "total": SIGNED_MONEY, "lines": {"type": "array", "items": obj({
    "product_id": ID, "sku": {"type": "string"}, "name": {"type": "string"}, "quantity": SIGNED_QUANTITY,
    "last_cost": {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$"}, "value": SIGNED_MONEY})}})
MOVEMENTS = envelope(obj({"movements": {"type": "array", "items": ref("StockMovement")}}))
paths["/api/v1/products/by-barcode/{code}"] = {"parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                                              "get": op("The product a scanned code names (a product's barcode or a scale label)", "stock",
                                                        "200", envelope(obj({"product": ref("Product"), "quantity": NULLABLE_QUANTITY,
                                                                             "unit_price": {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$"}})),
                                                        ["403", "404"])}
export = op("Every product as CSV, by id (exactly the import's columns; RFC 4180, CRLF, formula-safe text)", "stock", "200",
            {"type": "string"}, ["400", "403"])
export["responses"]["200"]["content"] = {"text/csv": {"schema": {"type": "string"}}}
paths["/api/v1/export/products.csv"] = {"get": export}


def csv_download(summary, tag, errors, params=()):
    operation = op(summary, tag, "200", {"type": "string"}, errors, params=params)
    operation["responses"]["200"]["content"] = {"text/csv": {"schema": {"type": "string"}}}
    return operation


DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
paths["/api/v1/export/customers.csv"] = {"get": csv_download(
    "Every customer as CSV, soft-deleted ones too, by id (no password data)", "employee portal", ["400", "403"])}
paths["/api/v1/export/sales.csv"] = {"get": csv_download(
    "Sold lines, and refunded ones as negative rows, of the UTC days from ... to, in time order", "reports", ["400", "403"],
    params=[query("from", DATE, "Default: to"), query("to", DATE, "Default: today (UTC)"), query("branch_id", ID, "Default: every branch")])}
schemas["ProductImportCounts"] = obj({"created": {"type": "integer", "minimum": 0}, "updated": {"type": "integer", "minimum": 0},
                                      "unchanged": {"type": "integer", "minimum": 0}})
product_import = op("Create or update products by sku from CSV (all rows or none; up to 20 MiB)", "stock", "200",
                    envelope(ref("ProductImportCounts")), ["400", "403", "413", "415"], params=[query("dry_run", BOOL, "Check only; write nothing")])
product_import["requestBody"] = {"required": True, "content": {"text/csv": {"schema": {"type": "string"}, "example": (
    "sku,name,unit_price,barcodes\r\nCHAI-1,Chai masala,45.50,96385074\r\n")}}}
paths["/api/v1/products/import"] = {"post": product_import}
stock_export = op("Counted products' levels in a branch as CSV, by product id", "stock", "200", {"type": "string"}, ["400", "403"],
                  params=[query("branch_id", ID, "Default 1")])
stock_export["responses"]["200"]["content"] = {"text/csv": {"schema": {"type": "string"}}}
paths["/api/v1/export/stock.csv"] = {"get": stock_export}
paths["/api/v1/stock"] = {"get": op("Tracked products' stock levels in a branch, by product id", "stock", "200", listing("levels", "StockLevel"),
                                    ["400", "403"], params=[PAGE, LIMIT, query("branch_id", ID, "Default 1"), query("low", BOOL), SEARCH])}
paths["/api/v1/products/{id}/stock"] = {"parameters": [path_id()], "get": op(
    "A product's level in every branch", "stock", "200", envelope(obj({"levels": {"type": "array", "items": ref("StockLevel")}})),
    ["400", "403", "404"])}
paths["/api/v1/stock/movements"] = {"get": op("Stock movements, newest first", "stock", "200", listing("movements", "StockMovement"),
                                              ["400", "403"], params=[PAGE, LIMIT, query("product_id", ID), query("branch_id", ID),
                                                                      query("type", MOVEMENT_TYPE)])}
paths["/api/v1/stock/receive"] = {"post": op("Receive goods", "stock", "201", MOVEMENTS, ["403"], body="StockReceive")}
paths["/api/v1/stock/adjust"] = {"post": op("Adjust a level to a count, or by a delta", "stock", "201", MOVEMENTS, ["403", "409"], body="StockAdjust")}
paths["/api/v1/stock/transfer"] = {"post": op("Move stock between branches", "stock", "201", MOVEMENTS, ["403", "409"], body="StockTransfer")}
paths["/api/v1/reports/stock-valuation"] = {"get": op(
    "Tracked products' quantity × last cost in a branch, and the total", "stock", "200", envelope(ref("StockValuation")), ["400", "403"],
    params=[query("branch_id", ID, "Default 1")])}


def console_file(summary, media_types, errors=(), params=()):
    operation = {"summary": summary, "tags": ["console"], "security": [], "responses": {
        "200": {"description": "The file", "content": {t: {"schema": {"type": "string"}} for t in media_types}},
        "304": {"description": "Not modified (If-None-Match matched the ETag)"}}}
    for code in errors:
        operation["responses"][code] = error(code)
    if params:
        operation["parameters"] = list(params)
    return operation


paths["/"] = {"get": console_file("The web console (HTML; strict Content-Security-Policy)", ["text/html"])}
paths["/assets/{name}"] = {"get": console_file(
    "The console's script, style sheet and icon; cached for a year when `v` is the current content hash",
    ["text/javascript", "text/css", "image/svg+xml"], ["404"],
    params=[{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}, query("v", {"type": "string"})])}

for path, item in paths.items():
    for method, operation in item.items():
        if method != "parameters":
            slug = (path.strip("/") or "console").replace("/", "_").replace("{", "").replace("}", "").replace("-", "_").replace(".", "_")
            operation["operationId"] = f"{method}_{slug}"
            operation["responses"].setdefault("413", error("413"))

document = {
    "openapi": "3.1.0",
    "info": {"title": "Duka", "version": "0.1.0",
             "description": "The back office of a small shop: one binary, one SQLite file. See API.md for the contract. "
                            "Any request whose head and body have not arrived within --request-timeout (30 s) of its "
                            "first byte is answered 408 request_timeout and its connection closed."},
    "servers": [{"url": "http://127.0.0.1:8080"}],
    "security": [{"bearerAuth": []}, {"cookieAuth": []}],
    "paths": paths,
    "components": {
        "schemas": schemas,
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "access_token"},
        },
    },
}
(ROOT / "openapi.json").write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
