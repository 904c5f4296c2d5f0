-- Migration 4: where short searches' matches lie, per block of each list (see schema.postgres.sql).

-- Where a short search's matches lie in its list's page order: search_grams' counts
-- again, per block of the list ('u' by created_at >> counter 'search_block_shift_u',
-- 'c' by id >> 'search_block_shift_c'). A page starts its walk at the block holding its
-- first row instead of walking every row before it. Kept by the same triggers.
CREATE TABLE search_blocks (
    list   TEXT   COLLATE "C" NOT NULL,
    gram   TEXT   COLLATE "C" NOT NULL,
    block  BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (list, gram, block, bucket)
);

-- Blocks of 65,536 seconds of sign-ups (18 hours) and of 2,048 customer ids.
INSERT INTO counters (name, value) VALUES ('search_block_shift_u', 16), ('search_block_shift_c', 11);

-- The functions change their rows (a block column) and both write both tables.
DROP FUNCTION duka_search_gram_rows(users, BIGINT);
DROP FUNCTION duka_users_search_grams_insert() CASCADE;
DROP FUNCTION duka_users_search_grams_delete() CASCADE;
DROP FUNCTION duka_users_search_grams_update() CASCADE;

-- A user's (list, text, bucket, block) rows, each with `sign`.
CREATE FUNCTION duka_search_gram_rows(u users, sign BIGINT)
RETURNS TABLE (list TEXT, gram TEXT, bucket BIGINT, block BIGINT, sign BIGINT) LANGUAGE sql STABLE AS $$
    WITH b AS (
        SELECT (CASE u.role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END) * 4
            + (CASE WHEN u.deleted_at IS NULL THEN 0 ELSE 2 END) + (CASE WHEN u.is_active THEN 1 ELSE 0 END) AS bucket,
            u.created_at >> (SELECT value FROM counters WHERE name = 'search_block_shift_u')::int AS user_block,
            u.id >> (SELECT value FROM counters WHERE name = 'search_block_shift_c')::int AS customer_block
    )
    SELECT 'u', g, b.bucket, b.user_block, sign FROM b, duka_search_grams(ARRAY[u.username, u.email]) AS g
    UNION ALL
    SELECT 'c', g, b.bucket, b.customer_block, sign FROM b, duka_search_grams(ARRAY[u.full_name, u.email, u.phone_number, u.id_number]) AS g
    WHERE u.role = 'customer'
$$;

CREATE FUNCTION duka_users_search_grams_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH g AS MATERIALIZED (
        SELECT g.* FROM inserted AS u CROSS JOIN LATERAL duka_search_gram_rows(u, 1) AS g
    ), grams AS (
        INSERT INTO search_grams (list, gram, bucket, count)
        SELECT list, gram, bucket, SUM(sign) FROM g
        GROUP BY list, gram, bucket
        HAVING SUM(sign) <> 0
        ORDER BY list, gram, bucket
        ON CONFLICT (list, gram, bucket) DO UPDATE SET count = search_grams.count + excluded.count
    )
    INSERT INTO search_blocks (list, gram, block, bucket, count)
    SELECT list, gram, block, bucket, SUM(sign) FROM g
    GROUP BY list, gram, block, bucket
    HAVING SUM(sign) <> 0
    ORDER BY list, gram, block, bucket
    ON CONFLICT (list, gram, block, bucket) DO UPDATE SET count = search_blocks.count + excluded.count;
    RETURN NULL;
END
$$;

CREATE FUNCTION duka_users_search_grams_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH g AS MATERIALIZED (
        SELECT g.* FROM deleted AS u CROSS JOIN LATERAL duka_search_gram_rows(u, -1) AS g
    ), grams AS (
        INSERT INTO search_grams (list, gram, bucket, count)
        SELECT list, gram, bucket, SUM(sign) FROM g
        GROUP BY list, gram, bucket
        HAVING SUM(sign) <> 0
        ORDER BY list, gram, bucket
        ON CONFLICT (list, gram, bucket) DO UPDATE SET count = search_grams.count + excluded.count
    )
    INSERT INTO search_blocks (list, gram, block, bucket, count)
    SELECT list, gram, block, bucket, SUM(sign) FROM g
    GROUP BY list, gram, block, bucket
    HAVING SUM(sign) <> 0
    ORDER BY list, gram, block, bucket
    ON CONFLICT (list, gram, block, bucket) DO UPDATE SET count = search_blocks.count + excluded.count;
    RETURN NULL;
END
$$;

CREATE FUNCTION duka_users_search_grams_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH g AS MATERIALIZED (
        SELECT g.*
        FROM before AS o
        JOIN after AS n ON n.id = o.id
        CROSS JOIN LATERAL (
            SELECT * FROM duka_search_gram_rows(o, -1)
            UNION ALL
            SELECT * FROM duka_search_gram_rows(n, 1)
        ) AS g
        WHERE (o.username, o.email, o.full_name, o.phone_number, o.id_number, o.role, o.deleted_at, o.is_active, o.created_at) IS DISTINCT FROM (n.username, n.email, n.full_name, n.phone_number, n.id_number, n.role, n.deleted_at, n.is_active, n.created_at)
    ), grams AS (
        INSERT INTO search_grams (list, gram, bucket, count)
        SELECT list, gram, bucket, SUM(sign) FROM g
        GROUP BY list, gram, bucket
        HAVING SUM(sign) <> 0
        ORDER BY list, gram, bucket
        ON CONFLICT (list, gram, bucket) DO UPDATE SET count = search_grams.count + excluded.count
    )
    INSERT INTO search_blocks (list, gram, block, bucket, count)
    SELECT list, gram, block, bucket, SUM(sign) FROM g
    GROUP BY list, gram, block, bucket
    HAVING SUM(sign) <> 0
    ORDER BY list, gram, block, bucket
    ON CONFLICT (list, gram, block, bucket) DO UPDATE SET count = search_blocks.count + excluded.count;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_search_grams_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION duka_users_search_grams_insert();

CREATE TRIGGER users_search_grams_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION duka_users_search_grams_delete();

CREATE TRIGGER users_search_grams_update AFTER UPDATE ON users
    REFERENCING OLD TABLE AS before NEW TABLE AS after FOR EACH STATEMENT EXECUTE FUNCTION duka_users_search_grams_update();

-- The users already there.
INSERT INTO search_blocks (list, gram, block, bucket, count)
SELECT g.list, g.gram, g.block, g.bucket, SUM(g.sign) FROM users AS u CROSS JOIN LATERAL duka_search_gram_rows(u, 1) AS g
GROUP BY g.list, g.gram, g.block, g.bucket;
