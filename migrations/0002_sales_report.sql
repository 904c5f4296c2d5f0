-- Migration 2: the console dashboard's sales per day reads checked-out carts by their
-- checkout time (a checked-out cart is frozen, so that is its updated_at).

CREATE INDEX carts_checked_out ON carts (updated_at) WHERE status = 'checked_out';
