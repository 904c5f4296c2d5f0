-- Duka database schema: the readable source of truth.
-- The migrations compiled into the binary (Sources/DukaCore/Migrations.swift) must
-- produce exactly this; a test compares the two.
--
-- Conventions: times are whole seconds since 1970-01-01 UTC; money is integer cents;
-- quantities are integer thousandths; booleans are 0/1.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT    NOT NULL UNIQUE,
    username        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    email           TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash   TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('admin', 'manager', 'cashier', 'employee', 'customer')),
    full_name       TEXT,
    id_number       TEXT,
    phone_number    TEXT,
    county          TEXT,
    town            TEXT,
    street          TEXT,
    is_active       INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    deleted_at      INTEGER,
    -- Carried in tokens as `ver`: bumping it revokes every earlier token of the user.
    session_version INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Employee portal: customers by id, live ones (deleted_at IS NULL) or all; both cover
-- the id-only scans that find a page.
CREATE INDEX users_role_deleted ON users (role, deleted_at, id);
CREATE INDEX users_role ON users (role, id);
-- Staff users API: its orders (created_at or username, then id), with or without a role
-- filter, read in index order so that a page never sorts the whole table.
CREATE INDEX users_created ON users (created_at, id);
CREATE INDEX users_role_created ON users (role, created_at, id);
CREATE INDEX users_role_username ON users (role, username, id);

-- Substring search over users (the `search` of the portal and of the users API): a
-- trigram index, kept in step with `users` by triggers. Case-insensitive; a search text
-- shorter than 3 characters falls back to LIKE.
CREATE VIRTUAL TABLE users_search USING fts5(
    username, email, full_name, phone_number, id_number,
    content = 'users', content_rowid = 'id', tokenize = 'trigram'
);

CREATE TRIGGER users_search_insert AFTER INSERT ON users
BEGIN
    INSERT INTO users_search (rowid, username, email, full_name, phone_number, id_number)
    VALUES (NEW.id, NEW.username, NEW.email, NEW.full_name, NEW.phone_number, NEW.id_number);
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users
BEGIN
    INSERT INTO users_search (users_search, rowid, username, email, full_name, phone_number, id_number)
    VALUES ('delete', OLD.id, OLD.username, OLD.email, OLD.full_name, OLD.phone_number, OLD.id_number);
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF username, email, full_name, phone_number, id_number ON users
BEGIN
    INSERT INTO users_search (users_search, rowid, username, email, full_name, phone_number, id_number)
    VALUES ('delete', OLD.id, OLD.username, OLD.email, OLD.full_name, OLD.phone_number, OLD.id_number);
    INSERT INTO users_search (rowid, username, email, full_name, phone_number, id_number)
    VALUES (NEW.id, NEW.username, NEW.email, NEW.full_name, NEW.phone_number, NEW.id_number);
END;

CREATE TABLE products (
    id               INTEGER PRIMARY KEY,
    sku              TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name             TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    unit             TEXT    NOT NULL DEFAULT 'piece',
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents BETWEEN 0 AND 1000000000),
    is_active        INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE TABLE carts (
    id         INTEGER PRIMARY KEY,
    -- Sales history is kept: a user who owns carts cannot be hard-deleted.
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status     TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'checked_out', 'abandoned')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX carts_user ON carts (user_id, id);
CREATE INDEX carts_status ON carts (status, id);
-- Sales per day (console dashboard): checked-out carts by checkout time.
CREATE INDEX carts_checked_out ON carts (updated_at) WHERE status = 'checked_out';
-- A customer has at most one active cart.
CREATE UNIQUE INDEX carts_one_active ON carts (user_id) WHERE status = 'active';

CREATE TABLE cart_items (
    id               INTEGER PRIMARY KEY,
    cart_id          INTEGER NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    product_id       INTEGER NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    quantity_milli   INTEGER NOT NULL CHECK (quantity_milli BETWEEN 1 AND 1000000000),
    sale_channel     TEXT    NOT NULL CHECK (sale_channel IN ('online', 'in_store')),
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents BETWEEN 0 AND 1000000000),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE INDEX cart_items_cart ON cart_items (cart_id, id);
CREATE INDEX cart_items_product ON cart_items (product_id);

-- Who changed what. No foreign key to users: rows outlive the actor's hard delete.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    actor_id       INTEGER NOT NULL,
    actor_uuid     TEXT    NOT NULL,
    actor_username TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    target_type    TEXT    NOT NULL,
    target_id      TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE INDEX audit_log_actor ON audit_log (actor_uuid, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- Exact counts for the dashboard and the default lists, kept by triggers in the same
-- transaction as the change (a COUNT(*) over 100,000 rows costs milliseconds).
CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

-- customers_version changes whenever the set of customers or their deletion does: it
-- tells cached page boundaries (see CustomerStore) that they are stale.
INSERT INTO counters (name, value) VALUES
    ('customers_live', 0), ('customers_all', 0), ('customers_version', 0), ('products', 0), ('carts', 0);

CREATE TRIGGER users_count_insert AFTER INSERT ON users WHEN NEW.role = 'customer'
BEGIN
    UPDATE counters SET value = value + 1 WHERE name IN ('customers_all', 'customers_version');
    UPDATE counters SET value = value + (NEW.deleted_at IS NULL) WHERE name = 'customers_live';
END;

CREATE TRIGGER users_count_delete AFTER DELETE ON users WHEN OLD.role = 'customer'
BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'customers_all';
    UPDATE counters SET value = value + 1 WHERE name = 'customers_version';
    UPDATE counters SET value = value - (OLD.deleted_at IS NULL) WHERE name = 'customers_live';
END;

CREATE TRIGGER users_count_update AFTER UPDATE OF role, deleted_at ON users
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'customers_version';
    UPDATE counters SET value = value - (OLD.role = 'customer') + (NEW.role = 'customer') WHERE name = 'customers_all';
    UPDATE counters
    SET value = value - (OLD.role = 'customer' AND OLD.deleted_at IS NULL) + (NEW.role = 'customer' AND NEW.deleted_at IS NULL)
    WHERE name = 'customers_live';
END;

CREATE TRIGGER products_count_insert AFTER INSERT ON products
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'products';
END;

CREATE TRIGGER products_count_delete AFTER DELETE ON products
BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'products';
END;

CREATE TRIGGER carts_count_insert AFTER INSERT ON carts
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'carts';
END;

CREATE TRIGGER carts_count_delete AFTER DELETE ON carts
BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'carts';
END;

-- Server-wide settings, e.g. the generated token signing secret.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
