-- Migration 9: a bulk load (`duka copy` into PostgreSQL) pauses the short-search and
-- kept-text triggers and counts every user once at its end, as `duka generate` does on
-- SQLite. The statement trigger that keeps `search_grams` and `search_blocks` works out
-- every user's texts in SQL, about 1 ms a user: a copy of 100,000 customers spent 140 of
-- its 160 seconds there. While 'search_grams_paused' is 1 the triggers do not fire; the
-- load's end (or, after a load that stopped, the next start) counts in Duka and sets it
-- back to 0 in the same transaction.
INSERT INTO counters (name, value) VALUES ('search_grams_paused', 0);

CREATE FUNCTION duka_search_counting() RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT value = 0 FROM counters WHERE name = 'search_grams_paused'
$$;

DROP TRIGGER users_search_grams_insert ON users;
DROP TRIGGER users_search_grams_delete ON users;
DROP TRIGGER users_search_grams_update ON users;
DROP TRIGGER users_search_texts_insert ON users;
DROP TRIGGER users_search_texts_delete ON users;
DROP TRIGGER users_search_texts_update ON users;

CREATE TRIGGER users_search_grams_insert AFTER INSERT ON users REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT WHEN (duka_search_counting()) EXECUTE FUNCTION duka_users_search_grams_insert();
CREATE TRIGGER users_search_grams_delete AFTER DELETE ON users REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT WHEN (duka_search_counting()) EXECUTE FUNCTION duka_users_search_grams_delete();
CREATE TRIGGER users_search_grams_update AFTER UPDATE ON users REFERENCING OLD TABLE AS before NEW TABLE AS after
    FOR EACH STATEMENT WHEN (duka_search_counting()) EXECUTE FUNCTION duka_users_search_grams_update();
CREATE TRIGGER users_search_texts_insert AFTER INSERT ON users REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT WHEN (duka_search_counting()) EXECUTE FUNCTION duka_users_search_texts_insert();
CREATE TRIGGER users_search_texts_delete AFTER DELETE ON users REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT WHEN (duka_search_counting()) EXECUTE FUNCTION duka_users_search_texts_delete();
CREATE TRIGGER users_search_texts_update AFTER UPDATE ON users REFERENCING OLD TABLE AS before NEW TABLE AS after
    FOR EACH STATEMENT WHEN (duka_search_counting()) EXECUTE FUNCTION duka_users_search_texts_update();

-- Customers and carts inserted or deleted are counted once per statement, as products are
-- since migration 8 (a row trigger made bulk inserts quadratic). A change of role or
-- deletion stays a row trigger. The counter rows are updated in the row trigger's order
-- (version, all, live), so the two cannot deadlock.
CREATE FUNCTION duka_count_customers() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
    customers BIGINT;
    live BIGINT;
BEGIN
    SELECT count(*), count(*) FILTER (WHERE deleted_at IS NULL) INTO customers, live FROM changed WHERE role = 'customer';
    IF customers > 0 THEN
        UPDATE counters SET value = value + customers WHERE name = 'customers_version';
        UPDATE counters SET value = value + sign * customers WHERE name = 'customers_all';
        IF live > 0 THEN
            UPDATE counters SET value = value + sign * live WHERE name = 'customers_live';
        END IF;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER users_count ON users;
CREATE TRIGGER users_count AFTER UPDATE OF role, deleted_at ON users
    FOR EACH ROW EXECUTE FUNCTION duka_count_users();
CREATE TRIGGER users_count_insert AFTER INSERT ON users REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION duka_count_customers();
CREATE TRIGGER users_count_delete AFTER DELETE ON users REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION duka_count_customers();

DROP TRIGGER carts_count ON carts;
DROP FUNCTION duka_count_rows();
CREATE TRIGGER carts_count_insert AFTER INSERT ON carts REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION duka_count_statement('carts');
CREATE TRIGGER carts_count_delete AFTER DELETE ON carts REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION duka_count_statement('carts');
