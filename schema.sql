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

-- tax_class (added by migration 6, written as SQLite's ALTER TABLE writes it): the KRA
-- eTIMS VAT class; a cart line keeps the class it was added with, as it keeps its price.
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
    , tax_class TEXT NOT NULL DEFAULT 'B' CHECK (tax_class IN ('A', 'B', 'C', 'D', 'E')), track_stock INTEGER NOT NULL DEFAULT 0 CHECK (track_stock IN (0, 1)), allow_negative_stock INTEGER NOT NULL DEFAULT 0 CHECK (allow_negative_stock IN (0, 1)), low_stock_threshold_milli INTEGER CHECK (low_stock_threshold_milli >= 0), barcodes TEXT NOT NULL DEFAULT '');

-- Added by migration 6 (written as SQLite's ALTER TABLE writes them): the cart's branch
-- (no foreign key: SQLite adds none with a non-NULL default; branches are never
-- deleted), its receipt number once checked out, whether tenders paid it and the change
-- given, the shift they fell in, the cashier who checked it out (the name at the time, as
-- printed), and the sum of its refunds.
CREATE TABLE carts (
    id         INTEGER PRIMARY KEY,
    -- Sales history is kept: a user who owns carts cannot be hard-deleted.
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status     TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'checked_out', 'abandoned')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
    , branch_id INTEGER NOT NULL DEFAULT 1, receipt_number TEXT, payment_status TEXT NOT NULL DEFAULT 'unpaid' CHECK (payment_status IN ('unpaid', 'paid')), change_cents INTEGER NOT NULL DEFAULT 0, shift_id INTEGER REFERENCES shifts (id), cashier TEXT, refunded_cents INTEGER NOT NULL DEFAULT 0);

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
    , tax_class TEXT NOT NULL DEFAULT 'B' CHECK (tax_class IN ('A', 'B', 'C', 'D', 'E')));

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

-- Exact totals for short searches (1 to 3 characters), which match too many rows to
-- count at request time: for each list, filter bucket and text of 1 to 3 characters
-- (ASCII lower case, as LIKE folds), how many users contain it in a searched column.
-- Lists: 'u' the users API (username, email; every role), 'c' the employee portal
-- (full name, email, phone number, id number; customers). bucket = role (admin 0,
-- manager 1, cashier 2, employee 3, customer 4) * 4 + soft-deleted * 2 + is_active. The
-- empty text '' counts the users of a list and bucket. Kept by the triggers below.
CREATE TABLE search_grams (
    list   TEXT    NOT NULL,
    gram   TEXT    NOT NULL,
    bucket INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (list, gram, bucket)
) WITHOUT ROWID;

-- 1..1024: the character positions a gram may start at (fields hold at most 100 characters).
CREATE TABLE search_positions (n INTEGER PRIMARY KEY);

-- Where a short search's matches lie in its list's page order: search_grams' counts
-- again, per block of the list (see search_gram_rows). A page starts its walk at the
-- block holding its first row (summing the blocks before it) instead of walking every
-- match and non-match before it: a deep page, or a text whose matches all lie far from
-- the list's start, costs about what a first page does. Kept by the same triggers.
CREATE TABLE search_blocks (
    list   TEXT    NOT NULL,
    gram   TEXT    NOT NULL,
    block  INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (list, gram, block, bucket)
) WITHOUT ROWID;

-- Every (user, list, bucket, block, text of 0 to 3 characters) once. A user's block
-- places it in its list's page order: 'u' (newest first, or oldest) by created_at >>
-- counter 'search_block_shift_u', 'c' (by id) by id >> 'search_block_shift_c'. Read by
-- id (the triggers: SQLite takes `id = ?` into each arm) or whole (a first count).
CREATE VIEW search_gram_rows AS
SELECT DISTINCT f.id, f.list, f.bucket, f.block, substr(f.v, p.n, l.len) AS gram
FROM (
    SELECT id, 'u' AS list, CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active AS bucket,
        created_at >> (SELECT value FROM counters WHERE name = 'search_block_shift_u') AS block, lower(username) AS v FROM users
    UNION ALL SELECT id, 'u', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
        created_at >> (SELECT value FROM counters WHERE name = 'search_block_shift_u'), lower(email) FROM users
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
        id >> (SELECT value FROM counters WHERE name = 'search_block_shift_c'), lower(full_name) FROM users WHERE role = 'customer'
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
        id >> (SELECT value FROM counters WHERE name = 'search_block_shift_c'), lower(email) FROM users WHERE role = 'customer'
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
        id >> (SELECT value FROM counters WHERE name = 'search_block_shift_c'), lower(phone_number) FROM users WHERE role = 'customer'
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
        id >> (SELECT value FROM counters WHERE name = 'search_block_shift_c'), lower(id_number) FROM users WHERE role = 'customer'
) AS f
JOIN search_positions AS p ON p.n <= length(f.v)
JOIN (SELECT 0 AS len UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) AS l ON p.n + l.len - 1 <= length(f.v);

-- A user's texts are taken away before a change or delete (the row still holds the old
-- values) and added after an insert or change, in both tables. A bulk load (`duka
-- generate`) pauses them (counter 'search_grams_paused') and counts every user once at
-- its end, in the same transaction that resumes them; a start finds a pause left by a
-- stopped load and does the same.
CREATE TRIGGER users_grams_insert AFTER INSERT ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, 1 FROM search_gram_rows WHERE id = NEW.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
    INSERT INTO search_blocks (list, gram, block, bucket, count)
    SELECT list, gram, block, bucket, 1 FROM search_gram_rows WHERE id = NEW.id
    ON CONFLICT (list, gram, block, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_grams_delete BEFORE DELETE ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, -1 FROM search_gram_rows WHERE id = OLD.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
    INSERT INTO search_blocks (list, gram, block, bucket, count)
    SELECT list, gram, block, bucket, -1 FROM search_gram_rows WHERE id = OLD.id
    ON CONFLICT (list, gram, block, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_grams_update_before BEFORE UPDATE OF username, email, full_name, phone_number, id_number, role, deleted_at, is_active, created_at ON users
WHEN (OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number
    OR OLD.role IS NOT NEW.role
    OR OLD.deleted_at IS NOT NEW.deleted_at
    OR OLD.is_active IS NOT NEW.is_active
    OR OLD.created_at IS NOT NEW.created_at)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, -1 FROM search_gram_rows WHERE id = OLD.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
    INSERT INTO search_blocks (list, gram, block, bucket, count)
    SELECT list, gram, block, bucket, -1 FROM search_gram_rows WHERE id = OLD.id
    ON CONFLICT (list, gram, block, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_grams_update_after AFTER UPDATE OF username, email, full_name, phone_number, id_number, role, deleted_at, is_active, created_at ON users
WHEN (OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number
    OR OLD.role IS NOT NEW.role
    OR OLD.deleted_at IS NOT NEW.deleted_at
    OR OLD.is_active IS NOT NEW.is_active
    OR OLD.created_at IS NOT NEW.created_at)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, 1 FROM search_gram_rows WHERE id = NEW.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
    INSERT INTO search_blocks (list, gram, block, bucket, count)
    SELECT list, gram, block, bucket, 1 FROM search_gram_rows WHERE id = NEW.id
    ON CONFLICT (list, gram, block, bucket) DO UPDATE SET count = count + excluded.count;
END;

INSERT INTO search_positions (n)
    WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < 1024) SELECT n FROM p;
INSERT INTO counters (name, value) VALUES ('search_grams_paused', 0);
-- Blocks of 65,536 seconds of sign-ups (18 hours) and of 2,048 customer ids.
INSERT INTO counters (name, value) VALUES ('search_block_shift_u', 16), ('search_block_shift_c', 11);

-- Texts of 4 or more printable ASCII characters (ASCII lower case) whose totals, per
-- list and filter bucket, the triggers below keep from the moment a text is added here:
-- texts so common that counting them at request time grows with the shop (`.co.ke`,
-- `+25471`, a common surname). Duka adds a text after a search finds it in many users
-- (`ready` 0: the triggers count changes, the users already there are not counted yet),
-- counts the users already there in one snapshot and adds them (`ready` 1). Bounded:
-- Duka removes the least common text to make room. `since`: when it was added.
CREATE TABLE search_texts (
    list  TEXT    NOT NULL,
    text  TEXT    NOT NULL,
    ready INTEGER NOT NULL DEFAULT 0,
    since INTEGER NOT NULL,
    PRIMARY KEY (list, text)
) WITHOUT ROWID;

CREATE TABLE search_text_counts (
    list   TEXT    NOT NULL,
    text   TEXT    NOT NULL,
    bucket INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (list, text, bucket)
) WITHOUT ROWID;

-- Users with a character outside printable ASCII in a searched column: the trigram
-- index folds their case as `lower` cannot, so the triggers leave them out and a kept
-- total adds them at request time through the index (they are few).
CREATE INDEX users_not_plain ON users (id)
WHERE username GLOB '*[^ -~]*' OR email GLOB '*[^ -~]*' OR full_name GLOB '*[^ -~]*'
    OR phone_number GLOB '*[^ -~]*' OR id_number GLOB '*[^ -~]*';

-- Each plain user's searched columns per list (ASCII lower case), with its bucket.
CREATE VIEW search_text_rows AS
SELECT id, 'u' AS list, CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active AS bucket,
    lower(username) AS a, lower(email) AS b, NULL AS c, NULL AS d
FROM users
WHERE NOT coalesce(username GLOB '*[^ -~]*' OR email GLOB '*[^ -~]*' OR full_name GLOB '*[^ -~]*'
    OR phone_number GLOB '*[^ -~]*' OR id_number GLOB '*[^ -~]*', 0)
UNION ALL
SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
    lower(full_name), lower(email), lower(phone_number), lower(id_number)
FROM users
WHERE role = 'customer' AND NOT coalesce(username GLOB '*[^ -~]*' OR email GLOB '*[^ -~]*' OR full_name GLOB '*[^ -~]*'
    OR phone_number GLOB '*[^ -~]*' OR id_number GLOB '*[^ -~]*', 0);

-- As the short-search triggers: a user's matches are taken away before a change or
-- delete and added after an insert or change; nothing to do while no text is kept, or
-- while a bulk load pauses the counts (its end forgets every kept text).
CREATE TRIGGER users_texts_insert AFTER INSERT ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0 AND EXISTS (SELECT 1 FROM search_texts)
BEGIN
    INSERT INTO search_text_counts (list, text, bucket, count)
    SELECT t.list, t.text, r.bucket, 1 FROM search_text_rows AS r JOIN search_texts AS t ON t.list = r.list
    WHERE r.id = NEW.id AND (instr(r.a, t.text) > 0 OR instr(r.b, t.text) > 0 OR instr(r.c, t.text) > 0 OR instr(r.d, t.text) > 0)
    ON CONFLICT (list, text, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_texts_delete BEFORE DELETE ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0 AND EXISTS (SELECT 1 FROM search_texts)
BEGIN
    INSERT INTO search_text_counts (list, text, bucket, count)
    SELECT t.list, t.text, r.bucket, -1 FROM search_text_rows AS r JOIN search_texts AS t ON t.list = r.list
    WHERE r.id = OLD.id AND (instr(r.a, t.text) > 0 OR instr(r.b, t.text) > 0 OR instr(r.c, t.text) > 0 OR instr(r.d, t.text) > 0)
    ON CONFLICT (list, text, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_texts_update_before BEFORE UPDATE OF username, email, full_name, phone_number, id_number, role, deleted_at, is_active ON users
WHEN (OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number
    OR OLD.role IS NOT NEW.role
    OR OLD.deleted_at IS NOT NEW.deleted_at
    OR OLD.is_active IS NOT NEW.is_active)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0 AND EXISTS (SELECT 1 FROM search_texts)
BEGIN
    INSERT INTO search_text_counts (list, text, bucket, count)
    SELECT t.list, t.text, r.bucket, -1 FROM search_text_rows AS r JOIN search_texts AS t ON t.list = r.list
    WHERE r.id = OLD.id AND (instr(r.a, t.text) > 0 OR instr(r.b, t.text) > 0 OR instr(r.c, t.text) > 0 OR instr(r.d, t.text) > 0)
    ON CONFLICT (list, text, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_texts_update_after AFTER UPDATE OF username, email, full_name, phone_number, id_number, role, deleted_at, is_active ON users
WHEN (OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number
    OR OLD.role IS NOT NEW.role
    OR OLD.deleted_at IS NOT NEW.deleted_at
    OR OLD.is_active IS NOT NEW.is_active)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0 AND EXISTS (SELECT 1 FROM search_texts)
BEGIN
    INSERT INTO search_text_counts (list, text, bucket, count)
    SELECT t.list, t.text, r.bucket, 1 FROM search_text_rows AS r JOIN search_texts AS t ON t.list = r.list
    WHERE r.id = NEW.id AND (instr(r.a, t.text) > 0 OR instr(r.b, t.text) > 0 OR instr(r.c, t.text) > 0 OR instr(r.d, t.text) > 0)
    ON CONFLICT (list, text, bucket) DO UPDATE SET count = count + excluded.count;
END;

-- Server-wide settings, e.g. the generated token signing secret.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Selling (migration 6, API.md section 7).

-- The shop itself: one row, printed on every receipt.
CREATE TABLE shop (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    name                TEXT    NOT NULL,
    kra_pin             TEXT    NOT NULL DEFAULT '',
    address             TEXT    NOT NULL DEFAULT '',
    phone               TEXT    NOT NULL DEFAULT '',
    receipt_footer      TEXT    NOT NULL DEFAULT '',
    scale_barcode_value TEXT    NOT NULL DEFAULT 'weight' CHECK (scale_barcode_value IN ('weight', 'price')),
    updated_at          INTEGER NOT NULL
);

INSERT INTO shop (id, name, updated_at) VALUES (1, 'Duka', CAST(strftime('%s', 'now') AS INTEGER));

-- Branches are never deleted. last_receipt and last_credit_note are the numbers last
-- issued: a checkout (or refund) takes the next one in its own transaction, so numbers
-- are gapless and unique per branch (a rolled-back sale gives its number back).
CREATE TABLE branches (
    id               INTEGER PRIMARY KEY,
    code             TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    is_active        INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    last_receipt     INTEGER NOT NULL DEFAULT 0,
    last_credit_note INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

INSERT INTO branches (id, code, name, created_at, updated_at)
VALUES (1, 'MAIN', 'Main shop', CAST(strftime('%s', 'now') AS INTEGER), CAST(strftime('%s', 'now') AS INTEGER));

-- A till's session: one open shift per user; closed shifts never change again.
CREATE TABLE shifts (
    id                  INTEGER PRIMARY KEY,
    branch_id           INTEGER NOT NULL REFERENCES branches (id),
    -- Shifts are cash records: a user who opened one cannot be hard-deleted.
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status              TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opening_float_cents INTEGER NOT NULL CHECK (opening_float_cents BETWEEN 0 AND 1000000000),
    opened_at           INTEGER NOT NULL,
    closed_at           INTEGER,
    counted_cash_cents  INTEGER,
    expected_cash_cents INTEGER
);

CREATE UNIQUE INDEX shifts_one_open ON shifts (user_id) WHERE status = 'open';
CREATE INDEX shifts_user ON shifts (user_id, id);
CREATE INDEX shifts_branch ON shifts (branch_id, id);

-- Pay-ins and pay-outs of a shift's drawer.
CREATE TABLE shift_cash (
    id           INTEGER PRIMARY KEY,
    shift_id     INTEGER NOT NULL REFERENCES shifts (id),
    type         TEXT    NOT NULL CHECK (type IN ('pay_in', 'pay_out')),
    amount_cents INTEGER NOT NULL CHECK (amount_cents BETWEEN 1 AND 1000000000),
    reason       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE INDEX shift_cash_shift ON shift_cash (shift_id, id);

CREATE UNIQUE INDEX carts_receipt ON carts (receipt_number) WHERE receipt_number IS NOT NULL;
CREATE INDEX carts_branch ON carts (branch_id, id);
CREATE INDEX carts_shift ON carts (shift_id) WHERE shift_id IS NOT NULL;

-- Credit notes: a refund of some or all of a sale's lines.
CREATE TABLE refunds (
    id                 INTEGER PRIMARY KEY,
    credit_note_number TEXT    NOT NULL UNIQUE,
    cart_id            INTEGER NOT NULL REFERENCES carts (id),
    branch_id          INTEGER NOT NULL REFERENCES branches (id),
    shift_id           INTEGER REFERENCES shifts (id),
    total_cents        INTEGER NOT NULL,
    reason             TEXT    NOT NULL,
    -- uuids, kept as they were (no foreign key: rows outlive a hard delete, as audit rows do).
    created_by         TEXT    NOT NULL,
    approved_by        TEXT,
    created_at         INTEGER NOT NULL
);

CREATE INDEX refunds_cart ON refunds (cart_id, id);
CREATE INDEX refunds_branch ON refunds (branch_id, id);
CREATE INDEX refunds_shift ON refunds (shift_id, id);
-- Sales per day net of refunds: refunds by their time.
CREATE INDEX refunds_created ON refunds (created_at);

CREATE TABLE refund_lines (
    id               INTEGER PRIMARY KEY,
    refund_id        INTEGER NOT NULL REFERENCES refunds (id),
    item_id          INTEGER NOT NULL REFERENCES cart_items (id),
    product_id       INTEGER NOT NULL,
    quantity_milli   INTEGER NOT NULL CHECK (quantity_milli BETWEEN 1 AND 1000000000),
    unit_price_cents INTEGER NOT NULL,
    line_total_cents INTEGER NOT NULL,
    tax_class        TEXT    NOT NULL
);

CREATE INDEX refund_lines_refund ON refund_lines (refund_id, item_id);
CREATE INDEX refund_lines_item ON refund_lines (item_id);

-- Tenders of a sale (cart_id) or of a refund (refund_id). An M-Pesa confirmation code
-- pays one sale and refunds at most once.
CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    cart_id      INTEGER REFERENCES carts (id),
    refund_id    INTEGER REFERENCES refunds (id),
    method       TEXT    NOT NULL CHECK (method IN ('cash', 'mpesa', 'card')),
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 1),
    reference    TEXT,
    created_at   INTEGER NOT NULL,
    CHECK ((cart_id IS NULL) <> (refund_id IS NULL))
);

CREATE INDEX payments_cart ON payments (cart_id, id) WHERE cart_id IS NOT NULL;
CREATE INDEX payments_refund ON payments (refund_id, id) WHERE refund_id IS NOT NULL;
CREATE UNIQUE INDEX payments_mpesa_sale ON payments (reference) WHERE method = 'mpesa' AND cart_id IS NOT NULL;
CREATE UNIQUE INDEX payments_mpesa_refund ON payments (reference) WHERE method = 'mpesa' AND refund_id IS NOT NULL;

-- The level of a product in a branch: the sum of its movements there, kept in the same
-- transaction as each movement. No row: nothing moved yet (0.000). last_cost_cents is
-- the unit cost of the last receipt of goods (or transfer in) that named one.
CREATE TABLE stock_levels (
    id              INTEGER PRIMARY KEY,
    product_id      INTEGER NOT NULL REFERENCES products (id),
    branch_id       INTEGER NOT NULL REFERENCES branches (id),
    quantity_milli  INTEGER NOT NULL DEFAULT 0,
    last_cost_cents INTEGER,
    UNIQUE (product_id, branch_id)
);

-- Every change of a level, signed (a sale of 2 is -2000). Never updated or deleted.
CREATE TABLE stock_movements (
    id              INTEGER PRIMARY KEY,
    product_id      INTEGER NOT NULL REFERENCES products (id),
    branch_id       INTEGER NOT NULL REFERENCES branches (id),
    type            TEXT    NOT NULL CHECK (type IN ('receive', 'adjust', 'sale', 'refund', 'transfer_out', 'transfer_in')),
    quantity_milli  INTEGER NOT NULL,
    unit_cost_cents INTEGER,
    reason          TEXT,
    reference       TEXT,
    cart_id         INTEGER REFERENCES carts (id),
    refund_id       INTEGER REFERENCES refunds (id),
    created_by      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE INDEX stock_movements_product ON stock_movements (product_id, id);
CREATE INDEX stock_movements_branch ON stock_movements (branch_id, id);

-- A product's barcodes, one row each (migration 7): catalogue-wide uniqueness and the
-- lookup by code; products.barcodes holds the same codes in order, for reading.
CREATE TABLE product_barcodes (
    code       TEXT    PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE
);

CREATE INDEX product_barcodes_product ON product_barcodes (product_id);

-- How many users signed up earlier than the user before them in id order (adjacent
-- pairs out of order). While none did, the users API's order by sign-up time is id
-- order, which the trigram index yields as it reads: a search's page is its first
-- matches, read without a sort. Kept exactly by the triggers below: an insert, delete
-- or change of sign-up time replaces at most two adjacent pairs; a changed id (Duka
-- never changes one) counts again from scratch. (Migration 8 counts the users already there.)
INSERT INTO counters (name, value) VALUES ('users_created_out_of_order', 0);

CREATE TRIGGER users_order_insert AFTER INSERT ON users
BEGIN
    UPDATE counters SET value = value
        + coalesce((SELECT created_at FROM users WHERE id < NEW.id ORDER BY id DESC LIMIT 1) > NEW.created_at, 0)
        + coalesce(NEW.created_at > (SELECT created_at FROM users WHERE id > NEW.id ORDER BY id LIMIT 1), 0)
        - coalesce((SELECT created_at FROM users WHERE id < NEW.id ORDER BY id DESC LIMIT 1)
            > (SELECT created_at FROM users WHERE id > NEW.id ORDER BY id LIMIT 1), 0)
    WHERE name = 'users_created_out_of_order';
END;

CREATE TRIGGER users_order_delete AFTER DELETE ON users
BEGIN
    UPDATE counters SET value = value
        - coalesce((SELECT created_at FROM users WHERE id < OLD.id ORDER BY id DESC LIMIT 1) > OLD.created_at, 0)
        - coalesce(OLD.created_at > (SELECT created_at FROM users WHERE id > OLD.id ORDER BY id LIMIT 1), 0)
        + coalesce((SELECT created_at FROM users WHERE id < OLD.id ORDER BY id DESC LIMIT 1)
            > (SELECT created_at FROM users WHERE id > OLD.id ORDER BY id LIMIT 1), 0)
    WHERE name = 'users_created_out_of_order';
END;

CREATE TRIGGER users_order_update AFTER UPDATE OF created_at ON users
WHEN OLD.id = NEW.id AND OLD.created_at IS NOT NEW.created_at
BEGIN
    UPDATE counters SET value = value
        + coalesce((SELECT created_at FROM users WHERE id < NEW.id ORDER BY id DESC LIMIT 1) > NEW.created_at, 0)
        + coalesce(NEW.created_at > (SELECT created_at FROM users WHERE id > NEW.id ORDER BY id LIMIT 1), 0)
        - coalesce((SELECT created_at FROM users WHERE id < NEW.id ORDER BY id DESC LIMIT 1) > OLD.created_at, 0)
        - coalesce(OLD.created_at > (SELECT created_at FROM users WHERE id > NEW.id ORDER BY id LIMIT 1), 0)
    WHERE name = 'users_created_out_of_order';
END;

CREATE TRIGGER users_order_renumber AFTER UPDATE OF id ON users
WHEN OLD.id IS NOT NEW.id
BEGIN
    UPDATE counters SET value = (
        SELECT COUNT(*) FROM (SELECT created_at, LAG(created_at) OVER (ORDER BY id) AS before FROM users) WHERE before > created_at
    )
    WHERE name = 'users_created_out_of_order';
END;

-- The four-character indexes of long searches (migration 9).
-- Every run of four ASCII letters or digits (lower case) in a user's searched columns,
-- one index per list: 'c' the portal's columns, 'u' the users API's. A long search
-- narrowed to its rarest four characters (`IndexedText`) looks them up here when they are
-- letters or digits. The trigram index finds four characters by reading both trigrams'
-- lists, which grow with the shop (at 1,000,000 customers `0905`'s trigrams are in
-- 13,000 users or more each, for 1,300 holding `0905`); here the four's list is its
-- users alone. A row with a character outside printable ASCII in those columns also
-- holds the word `notplain`, which every lookup here takes as a candidate: the trigram
-- index folds such rows' case as `lower` does not (the Kelvin sign is `k` there), and
-- each candidate is confirmed. Contentless and without positions (detail=none): a
-- delete names the row's fours again, from the view below (or `SearchFours` in a
-- rebuild: the same words).
CREATE VIRTUAL TABLE users_fours_c USING fts5(fours, content = '', detail = none, columnsize = 0, tokenize = 'ascii');
CREATE VIRTUAL TABLE users_fours_u USING fts5(fours, content = '', detail = none, columnsize = 0, tokenize = 'ascii');

-- Each user's words for the two indexes, read by id (the triggers).
CREATE VIEW search_four_rows AS
SELECT id,
    coalesce((
        SELECT group_concat(g, ' ') FROM (
            SELECT lower(substr(v, n, 4)) AS g FROM (
                SELECT users.full_name AS v UNION ALL SELECT users.email UNION ALL SELECT users.phone_number UNION ALL SELECT users.id_number
            ) JOIN search_positions ON n <= length(v) - 3
        ) WHERE g NOT GLOB '*[^a-z0-9]*'
    ), '')
    || CASE WHEN users.full_name GLOB '*[^ -~]*' OR users.email GLOB '*[^ -~]*' OR users.phone_number GLOB '*[^ -~]*'
        OR users.id_number GLOB '*[^ -~]*' THEN ' notplain' ELSE '' END AS c,
    coalesce((
        SELECT group_concat(g, ' ') FROM (
            SELECT lower(substr(v, n, 4)) AS g FROM (SELECT users.username AS v UNION ALL SELECT users.email)
            JOIN search_positions ON n <= length(v) - 3
        ) WHERE g NOT GLOB '*[^a-z0-9]*'
    ), '')
    || CASE WHEN users.username GLOB '*[^ -~]*' OR users.email GLOB '*[^ -~]*' THEN ' notplain' ELSE '' END AS u
FROM users;

-- Paused with the counts of short searches during a bulk load, whose end indexes every
-- user again (`SearchGramCounts.resume`).
CREATE TRIGGER users_fours_insert AFTER INSERT ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO users_fours_c (rowid, fours) SELECT id, c FROM search_four_rows WHERE id = NEW.id;
    INSERT INTO users_fours_u (rowid, fours) SELECT id, u FROM search_four_rows WHERE id = NEW.id;
END;

CREATE TRIGGER users_fours_delete BEFORE DELETE ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO users_fours_c (users_fours_c, rowid, fours) SELECT 'delete', id, c FROM search_four_rows WHERE id = OLD.id;
    INSERT INTO users_fours_u (users_fours_u, rowid, fours) SELECT 'delete', id, u FROM search_four_rows WHERE id = OLD.id;
END;

CREATE TRIGGER users_fours_update_before BEFORE UPDATE OF id, username, email, full_name, phone_number, id_number ON users
WHEN (OLD.id IS NOT NEW.id
    OR OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO users_fours_c (users_fours_c, rowid, fours) SELECT 'delete', id, c FROM search_four_rows WHERE id = OLD.id;
    INSERT INTO users_fours_u (users_fours_u, rowid, fours) SELECT 'delete', id, u FROM search_four_rows WHERE id = OLD.id;
END;

CREATE TRIGGER users_fours_update_after AFTER UPDATE OF id, username, email, full_name, phone_number, id_number ON users
WHEN (OLD.id IS NOT NEW.id
    OR OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO users_fours_c (rowid, fours) SELECT id, c FROM search_four_rows WHERE id = NEW.id;
    INSERT INTO users_fours_u (rowid, fours) SELECT id, u FROM search_four_rows WHERE id = NEW.id;
END;
