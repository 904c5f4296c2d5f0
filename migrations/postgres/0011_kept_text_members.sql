-- Migration 11: the users a kept text matches, listed in each list's page order, for
-- the kept texts found in at most 10,000 users when kept (`listed`). GIN yields a
-- text's matches in no order: a page of a text found in 1,000 users read, confirmed and
-- sorted every one of them (a thousand rows and more for ten), and a walk in page order
-- could not stop early when the matches cluster (`gen19`, 1,071 users who signed up
-- together: 3,620 rows walked, then every match read anyway). With the matches listed,
-- a page reads its own rows from the list's index, at any depth. The triggers keep a
-- listed text's members as they keep its counts; denser texts are walked as before.
ALTER TABLE search_texts ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE search_text_members (
    list     TEXT   COLLATE "C" NOT NULL,
    text     TEXT   COLLATE "C" NOT NULL,
    -- The list's page order: created_at on the users API ('u'), id on the portal ('c').
    sort_key BIGINT NOT NULL,
    id       BIGINT NOT NULL,
    bucket   BIGINT NOT NULL,
    PRIMARY KEY (list, text, sort_key, id) INCLUDE (bucket)
);

CREATE OR REPLACE FUNCTION duka_users_search_texts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM search_texts) THEN
        WITH found AS MATERIALIZED (
            SELECT g.*, u.id, CASE g.list WHEN 'u' THEN u.created_at ELSE u.id END AS sort_key
            FROM inserted AS u CROSS JOIN LATERAL duka_search_text_rows(u, 1) AS g
        ), members AS (
            INSERT INTO search_text_members (list, text, sort_key, id, bucket)
            SELECT f.list, f.text, f.sort_key, f.id, f.bucket FROM found AS f
            JOIN search_texts AS t ON t.list = f.list AND t.text = f.text AND t.listed
            ON CONFLICT (list, text, sort_key, id) DO UPDATE SET bucket = excluded.bucket
        )
        INSERT INTO search_text_counts (list, text, bucket, count)
        SELECT list, text, bucket, SUM(sign) FROM found
        GROUP BY list, text, bucket
        ORDER BY list, text, bucket
        ON CONFLICT (list, text, bucket) DO UPDATE SET count = search_text_counts.count + excluded.count;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION duka_users_search_texts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM search_texts) THEN
        WITH found AS MATERIALIZED (
            SELECT g.*, u.id, CASE g.list WHEN 'u' THEN u.created_at ELSE u.id END AS sort_key
            FROM deleted AS u CROSS JOIN LATERAL duka_search_text_rows(u, -1) AS g
        ), members AS (
            DELETE FROM search_text_members AS m USING found AS f
            WHERE m.list = f.list AND m.text = f.text AND m.sort_key = f.sort_key AND m.id = f.id
        )
        INSERT INTO search_text_counts (list, text, bucket, count)
        SELECT list, text, bucket, SUM(sign) FROM found
        GROUP BY list, text, bucket
        ORDER BY list, text, bucket
        ON CONFLICT (list, text, bucket) DO UPDATE SET count = search_text_counts.count + excluded.count;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION duka_users_search_texts_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
        IF EXISTS (SELECT 1 FROM search_texts WHERE listed) THEN
            -- A changed user leaves the texts it matched, then joins those it matches
            -- (its bucket or place may have changed with them).
            DELETE FROM search_text_members AS m
            USING before AS o JOIN after AS n ON n.id = o.id CROSS JOIN LATERAL duka_search_text_rows(o, -1) AS g
            WHERE (o.username, o.email, o.full_name, o.phone_number, o.id_number, o.role, o.deleted_at, o.is_active, o.created_at)
                IS DISTINCT FROM (n.username, n.email, n.full_name, n.phone_number, n.id_number, n.role, n.deleted_at, n.is_active, n.created_at)
                AND m.list = g.list AND m.text = g.text AND m.id = o.id
                AND m.sort_key = CASE g.list WHEN 'u' THEN o.created_at ELSE o.id END;
            INSERT INTO search_text_members (list, text, sort_key, id, bucket)
            SELECT g.list, g.text, CASE g.list WHEN 'u' THEN n.created_at ELSE n.id END, n.id, g.bucket
            FROM before AS o JOIN after AS n ON n.id = o.id CROSS JOIN LATERAL duka_search_text_rows(n, 1) AS g
            JOIN search_texts AS t ON t.list = g.list AND t.text = g.text AND t.listed
            WHERE (o.username, o.email, o.full_name, o.phone_number, o.id_number, o.role, o.deleted_at, o.is_active, o.created_at)
                IS DISTINCT FROM (n.username, n.email, n.full_name, n.phone_number, n.id_number, n.role, n.deleted_at, n.is_active, n.created_at)
            -- A row a writer left while the text was being dropped is taken over.
            ON CONFLICT (list, text, sort_key, id) DO UPDATE SET bucket = excluded.bucket;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- Texts kept before this migration are listed as they would be if kept now. Writers of
-- users wait meanwhile (another instance still running the last version), so that no
-- change escapes both this snapshot and the triggers.
LOCK TABLE users IN SHARE MODE;
UPDATE search_texts AS t SET listed = TRUE
WHERE t.ready AND (SELECT COALESCE(SUM(count), 0) FROM search_text_counts AS c WHERE c.list = t.list AND c.text = t.text) <= 10000;
INSERT INTO search_text_members (list, text, sort_key, id, bucket)
SELECT g.list, g.text, CASE g.list WHEN 'u' THEN u.created_at ELSE u.id END, u.id, g.bucket
FROM users AS u CROSS JOIN LATERAL duka_search_text_rows(u, 1) AS g
JOIN search_texts AS t ON t.list = g.list AND t.text = g.text AND t.listed;
