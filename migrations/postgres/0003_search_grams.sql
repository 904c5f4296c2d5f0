-- Migration 3: exact totals for short searches, kept by a trigger (see schema.postgres.sql).

-- Exact totals for short searches (1 to 3 characters), which match too many rows to
-- count at request time: for each list, filter bucket and text of 1 to 3 characters
-- (ASCII lower case, as lower(... COLLATE "C") folds), how many users contain it in a
-- searched column. Lists: 'u' the users API (username, email; every role), 'c' the
-- employee portal (full name, email, phone number, id number; customers). bucket = role
-- (admin 0, manager 1, cashier 2, employee 3, customer 4) * 4 + soft-deleted * 2 +
-- is_active. The empty text '' counts the users of a list and bucket. Kept by the
-- triggers below, as on SQLite.
CREATE TABLE search_grams (
    list   TEXT   COLLATE "C" NOT NULL,
    gram   TEXT   COLLATE "C" NOT NULL,
    bucket BIGINT NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (list, gram, bucket)
);

-- The distinct texts of 0 to 3 characters in `fields`, ASCII lower-cased.
CREATE FUNCTION duka_search_grams(fields TEXT[]) RETURNS SETOF TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT substr(f.v, p.n, l.len)
    FROM unnest(fields) AS raw(v0)
    CROSS JOIN LATERAL (SELECT lower(raw.v0 COLLATE "C") AS v) AS f
    CROSS JOIN LATERAL generate_series(1, length(f.v)) AS p(n)
    CROSS JOIN generate_series(0, 3) AS l(len)
    WHERE p.n + l.len - 1 <= length(f.v)
$$;

-- A user's (list, text, bucket) rows, each with `sign`.
CREATE FUNCTION duka_search_gram_rows(u users, sign BIGINT)
RETURNS TABLE (list TEXT, gram TEXT, bucket BIGINT, sign BIGINT) LANGUAGE sql STABLE AS $$
    WITH b AS (
        SELECT (CASE u.role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END) * 4
            + (CASE WHEN u.deleted_at IS NULL THEN 0 ELSE 2 END) + (CASE WHEN u.is_active THEN 1 ELSE 0 END) AS bucket
    )
    SELECT 'u', g, b.bucket, sign FROM b, duka_search_grams(ARRAY[u.username, u.email]) AS g
    UNION ALL
    SELECT 'c', g, b.bucket, sign FROM b, duka_search_grams(ARRAY[u.full_name, u.email, u.phone_number, u.id_number]) AS g
    WHERE u.role = 'customer'
$$;

-- Once per statement, over all the rows it touched (a bulk insert or `duka copy` adds
-- each text once, not once per row). The counter rows are locked in one order, so two
-- changes cannot deadlock on them; texts that stay in their bucket are not touched.
CREATE FUNCTION duka_users_search_grams_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT g.list, g.gram, g.bucket, SUM(g.sign)
    FROM inserted AS u CROSS JOIN LATERAL duka_search_gram_rows(u, 1) AS g
    GROUP BY g.list, g.gram, g.bucket
    HAVING SUM(g.sign) <> 0
    ORDER BY g.list, g.gram, g.bucket
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = search_grams.count + excluded.count;
    RETURN NULL;
END
$$;

CREATE FUNCTION duka_users_search_grams_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT g.list, g.gram, g.bucket, SUM(g.sign)
    FROM deleted AS u CROSS JOIN LATERAL duka_search_gram_rows(u, -1) AS g
    GROUP BY g.list, g.gram, g.bucket
    HAVING SUM(g.sign) <> 0
    ORDER BY g.list, g.gram, g.bucket
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = search_grams.count + excluded.count;
    RETURN NULL;
END
$$;

CREATE FUNCTION duka_users_search_grams_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT g.list, g.gram, g.bucket, SUM(g.sign)
    FROM before AS o
    JOIN after AS n ON n.id = o.id
    CROSS JOIN LATERAL (
        SELECT * FROM duka_search_gram_rows(o, -1)
        UNION ALL
        SELECT * FROM duka_search_gram_rows(n, 1)
    ) AS g
    WHERE (o.username, o.email, o.full_name, o.phone_number, o.id_number, o.role, o.deleted_at, o.is_active) IS DISTINCT FROM (n.username, n.email, n.full_name, n.phone_number, n.id_number, n.role, n.deleted_at, n.is_active)
    GROUP BY g.list, g.gram, g.bucket
    HAVING SUM(g.sign) <> 0
    ORDER BY g.list, g.gram, g.bucket
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = search_grams.count + excluded.count;
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
INSERT INTO search_grams (list, gram, bucket, count)
SELECT g.list, g.gram, g.bucket, SUM(g.sign) FROM users AS u CROSS JOIN LATERAL duka_search_gram_rows(u, 1) AS g
GROUP BY g.list, g.gram, g.bucket;
