-- Migration 7: stock and barcodes (API.md sections 8.1 and 8.2): what a product's levels
-- are per branch, the movements that alone change them, and the codes a scanner reads.

-- Whether a product's stock is counted, whether its level may go below zero, and the
-- level at or under which it shows as low (thousandths, as quantities are).
ALTER TABLE products ADD COLUMN track_stock INTEGER NOT NULL DEFAULT 0 CHECK (track_stock IN (0, 1));
ALTER TABLE products ADD COLUMN allow_negative_stock INTEGER NOT NULL DEFAULT 0 CHECK (allow_negative_stock IN (0, 1));
ALTER TABLE products ADD COLUMN low_stock_threshold_milli INTEGER CHECK (low_stock_threshold_milli >= 0);
-- The product's barcodes in order, separated by one space (no code holds one): read with
-- the product, no join. product_barcodes holds the same codes, one row each, for the
-- catalogue-wide uniqueness and the lookup by code; both change in one transaction.
ALTER TABLE products ADD COLUMN barcodes TEXT NOT NULL DEFAULT '';

CREATE TABLE product_barcodes (
    code       TEXT    PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE
);

CREATE INDEX product_barcodes_product ON product_barcodes (product_id);

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
