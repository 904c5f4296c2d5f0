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
schemas["Cart"] = obj({**CART_BASE, "total": MONEY})
schemas["CustomerDetail"] = obj({**schemas["Customer"]["properties"], "carts": {"type": "array", "items": ref("PortalCart")},
                                 "total_carts": {"type": "integer", "minimum": 0}})
schemas["Product"] = obj({"id": ID, "sku": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
                          "unit": {"type": "string"}, "unit_price": MONEY, "is_active": {"type": "boolean"},
                          "created_at": TIME, "updated_at": TIME})
schemas["Pagination"] = obj({k: {"type": "integer", "minimum": 0} for k in ["current_page", "per_page", "total_data", "total_page"]})
schemas["PortalPagination"] = obj({"page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
                                   "total": {"type": "integer", "minimum": 0}, "pages": {"type": "integer", "minimum": 0},
                                   "has_next": {"type": "boolean"}, "has_prev": {"type": "boolean"}})
schemas["AuditEntry"] = obj({"id": ID, "actor_id": UUID, "actor_username": {"type": "string"}, "action": {"type": "string"},
                             "target_type": {"type": "string", "enum": ["user", "product", "cart", "cart_item"]},
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
              "unit": {"type": "string", "minLength": 1, "maxLength": 16}, "unit_price": MONEY_IN, "is_active": {"type": "boolean"}}
schemas["ProductCreate"] = obj(PRODUCT_IN, ["sku", "name", "unit_price"], extra=True)
schemas["ProductUpdate"] = obj(PRODUCT_IN, [], extra=True)
schemas["CartOpen"] = {"type": "object", "properties": {"customer_id": ID, "customer_uuid": UUID},
                       "description": "Staff only, exactly one of the two; a customer's body is ignored."}
schemas["CartItemAdd"] = obj({"product_id": ID, "quantity": QUANTITY_IN}, extra=True)
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
        query("customer_uuid", UUID, "Staff: the customer's uuid (as the users API shows); at most one of the two filters")]),
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
for action in ["checkout", "abandon"]:
    paths[f"/api/v1/carts/{{id}}/{action}"] = {"parameters": [path_id()], "post": op(
        f"{action.capitalize()} the cart", "carts", "200", envelope(ref("Cart")), ["400", "404"])}

schemas["SalesReport"] = obj({
    "carts_by_status": obj({k: {"type": "integer", "minimum": 0} for k in ["active", "checked_out", "abandoned"]}),
    "days": {"type": "array", "items": obj({
        "date": {"type": "string", "format": "date"}, "carts": {"type": "integer", "minimum": 0}, "total": MONEY})}})
paths["/api/v1/reports/sales"] = {"get": op(
    "Carts by status and checked-out sales per UTC day (the console's dashboard; roles employee, admin)", "operations", "200",
    envelope(ref("SalesReport")), ["400", "403"], params=[query("days", {"type": "integer", "minimum": 1, "maximum": 366, "default": 30})])}


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
