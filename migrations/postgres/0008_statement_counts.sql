-- Migration 8: products are counted once per statement, not once per row. A row trigger
-- updates the one `counters` row once per product inserted; inside one transaction each
-- of those updates walks past the row versions the earlier ones left, so a bulk insert
-- (the CSV import, `duka copy`) cost time quadratic in its rows: a 30,000-row import
-- spent most of its 25 seconds here. A statement trigger counts its statement's rows
-- from the transition table instead: one update per statement.
DROP TRIGGER products_count ON products;

CREATE FUNCTION duka_count_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE counters SET value = value + (CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END) * (SELECT count(*) FROM changed)
    WHERE name = TG_ARGV[0];
    RETURN NULL;
END
$$;

CREATE TRIGGER products_count_insert AFTER INSERT ON products REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION duka_count_statement('products');
CREATE TRIGGER products_count_delete AFTER DELETE ON products REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION duka_count_statement('products');
