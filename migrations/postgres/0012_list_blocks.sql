-- Migration 12: each list's rows counted per block at four sizes (list_blocks), so that
-- a deep page finds its first row's block in a few rows (see schema.postgres.sql).

-- Where each list's rows lie in its page order, at four sizes of block (level 0 the
-- finest), each block under the one of the level above that holds it (`parent`). A deep
-- page, or a list filtered by buckets only, goes down the levels to the block of level 0
-- holding its first row, reading a few rows at each, then walks only that block's rows
-- before it. With one size of block (search_blocks' '' rows) its running count read every
-- block of the list (98 rows at 100,000 customers, ten times as many at 1,000,000) and
-- the walk up to 2,047 rows. 'u' is by created_at (the users API), 'c' by id (the portal,
-- customers only). Every user counts, whatever its fields hold.
CREATE TABLE list_blocks (
    list   TEXT   COLLATE "C" NOT NULL,
    level  INT    NOT NULL,
    -- The block of the level above holding this one (0 on the top level).
    parent BIGINT NOT NULL,
    block  BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (list, level, parent, block, bucket)
);

-- Each level's block: the list's key >> shift. A level's block holds whole blocks of the
-- level below (shifts grow with the level). Tests use smaller ones.
CREATE TABLE list_block_shifts (
    list  TEXT COLLATE "C" NOT NULL,
    level INT  NOT NULL,
    shift INT  NOT NULL,
    PRIMARY KEY (list, level)
);

-- Customers: 256, 2,048, 16,384 and 131,072 ids. Sign-ups: 2.3 hours, 18 hours, 6 days
-- and 48 days.
INSERT INTO list_block_shifts (list, level, shift) VALUES
    ('c', 0, 8), ('c', 1, 11), ('c', 2, 14), ('c', 3, 17),
    ('u', 0, 13), ('u', 1, 16), ('u', 2, 19), ('u', 3, 22);

-- A user's bucket, as the short searches' counts have it.
CREATE FUNCTION duka_user_bucket(role TEXT, deleted_at BIGINT, is_active BOOLEAN) RETURNS BIGINT LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END) * 4
        + (CASE WHEN deleted_at IS NULL THEN 0 ELSE 2 END) + (CASE WHEN is_active THEN 1 ELSE 0 END)
$$;

-- A user's (list, level, parent, block, bucket) rows, each with `sign`.
CREATE FUNCTION duka_list_block_rows(u users, sign BIGINT)
RETURNS TABLE (list TEXT, level INT, parent BIGINT, block BIGINT, bucket BIGINT, sign BIGINT) LANGUAGE sql STABLE AS $$
    SELECT s.list, s.level, COALESCE(k.key >> above.shift, 0), k.key >> s.shift, duka_user_bucket(u.role, u.deleted_at, u.is_active), sign
    FROM list_block_shifts AS s
    LEFT JOIN list_block_shifts AS above ON above.list = s.list AND above.level = s.level + 1
    CROSS JOIN LATERAL (SELECT CASE s.list WHEN 'u' THEN u.created_at ELSE u.id END AS key) AS k
    WHERE s.list = 'u' OR u.role = 'customer'
$$;

-- Every list's blocks counted from scratch (the migration, the end of a bulk load,
-- `duka check`).
CREATE FUNCTION duka_list_block_counts()
RETURNS TABLE (list TEXT, level INT, parent BIGINT, block BIGINT, bucket BIGINT, count BIGINT) LANGUAGE sql STABLE AS $$
    SELECT s.list, s.level, COALESCE(k.key >> above.shift, 0), k.key >> s.shift, duka_user_bucket(u.role, u.deleted_at, u.is_active), COUNT(*)
    FROM users AS u
    JOIN list_block_shifts AS s ON s.list = 'u' OR u.role = 'customer'
    LEFT JOIN list_block_shifts AS above ON above.list = s.list AND above.level = s.level + 1
    CROSS JOIN LATERAL (SELECT CASE s.list WHEN 'u' THEN u.created_at ELSE u.id END AS key) AS k
    GROUP BY 1, 2, 3, 4, 5
$$;

-- Once per statement, over all the rows it touched; rows locked in one order (no
-- deadlock between two changes), blocks whose count does not change not touched. Paused
-- with the short searches' triggers during a bulk load, which counts them at its end.
CREATE FUNCTION duka_users_list_blocks_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO list_blocks (list, level, parent, block, bucket, count)
    SELECT r.list, r.level, r.parent, r.block, r.bucket, SUM(r.sign)
    FROM changed AS u CROSS JOIN LATERAL duka_list_block_rows(u, CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END) AS r
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (list, level, parent, block, bucket) DO UPDATE SET count = list_blocks.count + excluded.count;
    RETURN NULL;
END
$$;

CREATE FUNCTION duka_users_list_blocks_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO list_blocks (list, level, parent, block, bucket, count)
    SELECT r.list, r.level, r.parent, r.block, r.bucket, SUM(r.sign)
    FROM before AS o
    JOIN after AS n ON n.id = o.id
    CROSS JOIN LATERAL (
        SELECT * FROM duka_list_block_rows(o, -1)
        UNION ALL
        SELECT * FROM duka_list_block_rows(n, 1)
    ) AS r
    WHERE (o.role, o.deleted_at, o.is_active, o.created_at) IS DISTINCT FROM (n.role, n.deleted_at, n.is_active, n.created_at)
    GROUP BY 1, 2, 3, 4, 5
    HAVING SUM(r.sign) <> 0
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (list, level, parent, block, bucket) DO UPDATE SET count = list_blocks.count + excluded.count;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_list_blocks_insert AFTER INSERT ON users REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT WHEN (duka_search_counting()) EXECUTE FUNCTION duka_users_list_blocks_count();
CREATE TRIGGER users_list_blocks_delete AFTER DELETE ON users REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT WHEN (duka_search_counting()) EXECUTE FUNCTION duka_users_list_blocks_count();
CREATE TRIGGER users_list_blocks_update AFTER UPDATE ON users REFERENCING OLD TABLE AS before NEW TABLE AS after
    FOR EACH STATEMENT WHEN (duka_search_counting()) EXECUTE FUNCTION duka_users_list_blocks_update();

-- The users already there, counted while writers wait (another instance still running
-- the last version), so that no change escapes both this count and the triggers.
LOCK TABLE users IN SHARE MODE;
INSERT INTO list_blocks (list, level, parent, block, bucket, count) SELECT * FROM duka_list_block_counts();
ANALYZE list_blocks;
