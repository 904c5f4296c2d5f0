-- Migration 5: exact totals kept for long searches that match many users (see schema.postgres.sql).

-- Texts of 4 or more printable ASCII characters (ASCII lower case) whose totals, per
-- list and filter bucket, the trigger below keeps from the moment a text is added here
-- (as on SQLite: `.co.ke`, `+25471`, a common surname). Duka adds a text after a search
-- finds it in many users (`ready` false: changes are counted, the users already there
-- are not), waits for the transactions that began before it, counts the users already
-- there in one statement's snapshot and adds them (`ready` true). `since`: when added.
CREATE TABLE search_texts (
    list  TEXT    COLLATE "C" NOT NULL,
    text  TEXT    COLLATE "C" NOT NULL,
    ready BOOLEAN NOT NULL DEFAULT FALSE,
    since BIGINT  NOT NULL,
    PRIMARY KEY (list, text)
);

CREATE TABLE search_text_counts (
    list   TEXT   COLLATE "C" NOT NULL,
    text   TEXT   COLLATE "C" NOT NULL,
    bucket BIGINT NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (list, text, bucket)
);

-- `text` as a LIKE pattern matching it anywhere ('%', '_' and '\' escaped).
CREATE FUNCTION duka_like_substring(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT '%' || replace(replace(replace(t, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;

-- The kept texts a user matches, each with its bucket and `sign`: the same test as a
-- search's (LIKE over Unicode lower case, see PGSearch), so a kept total is exactly a count.
CREATE FUNCTION duka_search_text_rows(u users, sign BIGINT)
RETURNS TABLE (list TEXT, text TEXT, bucket BIGINT, sign BIGINT) LANGUAGE sql STABLE AS $$
    SELECT t.list, t.text,
        (CASE u.role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END) * 4
            + (CASE WHEN u.deleted_at IS NULL THEN 0 ELSE 2 END) + (CASE WHEN u.is_active THEN 1 ELSE 0 END),
        sign
    FROM search_texts AS t
    WHERE (t.list = 'u' AND (lower(u.username COLLATE "und-x-icu") LIKE duka_like_substring(t.text) ESCAPE '\'
            OR lower(u.email COLLATE "und-x-icu") LIKE duka_like_substring(t.text) ESCAPE '\'))
        OR (t.list = 'c' AND u.role = 'customer' AND (lower(u.full_name COLLATE "und-x-icu") LIKE duka_like_substring(t.text) ESCAPE '\'
            OR lower(u.email COLLATE "und-x-icu") LIKE duka_like_substring(t.text) ESCAPE '\'
            OR lower(u.phone_number COLLATE "und-x-icu") LIKE duka_like_substring(t.text) ESCAPE '\'
            OR lower(u.id_number COLLATE "und-x-icu") LIKE duka_like_substring(t.text) ESCAPE '\'))
$$;

CREATE FUNCTION duka_users_search_texts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM search_texts) THEN
        INSERT INTO search_text_counts (list, text, bucket, count)
        SELECT g.list, g.text, g.bucket, SUM(g.sign) FROM inserted AS u CROSS JOIN LATERAL duka_search_text_rows(u, 1) AS g
        GROUP BY g.list, g.text, g.bucket
        ORDER BY g.list, g.text, g.bucket
        ON CONFLICT (list, text, bucket) DO UPDATE SET count = search_text_counts.count + excluded.count;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION duka_users_search_texts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM search_texts) THEN
        INSERT INTO search_text_counts (list, text, bucket, count)
        SELECT g.list, g.text, g.bucket, SUM(g.sign) FROM deleted AS u CROSS JOIN LATERAL duka_search_text_rows(u, -1) AS g
        GROUP BY g.list, g.text, g.bucket
        ORDER BY g.list, g.text, g.bucket
        ON CONFLICT (list, text, bucket) DO UPDATE SET count = search_text_counts.count + excluded.count;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION duka_users_search_texts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM search_texts) THEN
        INSERT INTO search_text_counts (list, text, bucket, count)
        SELECT g.list, g.text, g.bucket, SUM(g.sign)
        FROM before AS o
        JOIN after AS n ON n.id = o.id
        CROSS JOIN LATERAL (
            SELECT * FROM duka_search_text_rows(o, -1)
            UNION ALL
            SELECT * FROM duka_search_text_rows(n, 1)
        ) AS g
        WHERE (o.username, o.email, o.full_name, o.phone_number, o.id_number, o.role, o.deleted_at, o.is_active)
            IS DISTINCT FROM (n.username, n.email, n.full_name, n.phone_number, n.id_number, n.role, n.deleted_at, n.is_active)
        GROUP BY g.list, g.text, g.bucket
        HAVING SUM(g.sign) <> 0
        ORDER BY g.list, g.text, g.bucket
        ON CONFLICT (list, text, bucket) DO UPDATE SET count = search_text_counts.count + excluded.count;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_search_texts_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION duka_users_search_texts_insert();

CREATE TRIGGER users_search_texts_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION duka_users_search_texts_delete();

CREATE TRIGGER users_search_texts_update AFTER UPDATE ON users
    REFERENCING OLD TABLE AS before NEW TABLE AS after FOR EACH STATEMENT EXECUTE FUNCTION duka_users_search_texts_update();
