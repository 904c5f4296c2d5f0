-- Migration 6: selling (API.md section 7): the shop, branches, VAT classes, tenders,
-- receipt and credit note numbers, shifts and their cash, refunds.

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

-- Products and cart lines carry a KRA eTIMS VAT class; a line keeps the class it was
-- added with, as it keeps its price. Lines from before VAT are class B, the default.
ALTER TABLE products ADD COLUMN tax_class TEXT NOT NULL DEFAULT 'B' CHECK (tax_class IN ('A', 'B', 'C', 'D', 'E'));
ALTER TABLE cart_items ADD COLUMN tax_class TEXT NOT NULL DEFAULT 'B' CHECK (tax_class IN ('A', 'B', 'C', 'D', 'E'));

-- A cart's branch (no foreign key: SQLite adds none with a non-NULL default; branches
-- are never deleted), its receipt number once checked out, whether tenders paid it and
-- the change given, the shift they fell in, the cashier who checked it out (the name at
-- the time, as printed), and the sum of its refunds.
ALTER TABLE carts ADD COLUMN branch_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE carts ADD COLUMN receipt_number TEXT;
ALTER TABLE carts ADD COLUMN payment_status TEXT NOT NULL DEFAULT 'unpaid' CHECK (payment_status IN ('unpaid', 'paid'));
ALTER TABLE carts ADD COLUMN change_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE carts ADD COLUMN shift_id INTEGER REFERENCES shifts (id);
ALTER TABLE carts ADD COLUMN cashier TEXT;
ALTER TABLE carts ADD COLUMN refunded_cents INTEGER NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX carts_receipt ON carts (receipt_number) WHERE receipt_number IS NOT NULL;
CREATE INDEX carts_branch ON carts (branch_id, id);
CREATE INDEX carts_shift ON carts (shift_id) WHERE shift_id IS NOT NULL;

-- Sales checked out before this migration get their receipt numbers now, in checkout
-- order, so that every checked-out cart has one (and a printable receipt).
UPDATE carts SET receipt_number = 'MAIN-' || printf('%06d', o.n)
FROM (SELECT id, row_number() OVER (ORDER BY updated_at, id) AS n FROM carts WHERE status = 'checked_out') AS o
WHERE carts.id = o.id;
UPDATE branches SET last_receipt = (SELECT COUNT(*) FROM carts WHERE status = 'checked_out') WHERE id = 1;

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
