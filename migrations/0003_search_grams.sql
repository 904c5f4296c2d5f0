-- Migration 3: exact totals for short searches, kept by triggers (see schema.sql).

-- Exact totals for short searches (1 to 3 characters), which match too many rows to
-- count at request time: for each list, filter bucket and text of 1 to 3 characters
-- (ASCII lower case, as LIKE folds), how many users contain it in a searched column.
-- Lists: 'u' the users API (username, email; every role), 'c' the employee portal
-- (full name, email, phone number, id number; customers). bucket = role (admin 0,
-- manager 1, cashier 2, employee 3, customer 4) * 4 + soft-deleted * 2 + is_active. The
-- empty text '' counts the users of a list and bucket. Kept by the triggers below.
CREATE TABLE search_grams (
    list   TEXT    NOT NULL,
    gram   TEXT    NOT NULL,
    bucket INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (list, gram, bucket)
) WITHOUT ROWID;

-- 1..1024: the character positions a gram may start at (fields hold at most 100 characters).
CREATE TABLE search_positions (n INTEGER PRIMARY KEY);

-- Every (user, list, bucket, text of 0 to 3 characters) once. Read by id (the triggers:
-- SQLite takes `id = ?` into each arm) or whole (migration 3's first count).
CREATE VIEW search_gram_rows AS
SELECT DISTINCT f.id, f.list, f.bucket, substr(f.v, p.n, l.len) AS gram
FROM (
    SELECT id, 'u' AS list, CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active AS bucket, lower(username) AS v FROM users
    UNION ALL SELECT id, 'u', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active, lower(email) FROM users
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active, lower(full_name) FROM users WHERE role = 'customer'
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active, lower(email) FROM users WHERE role = 'customer'
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active, lower(phone_number) FROM users WHERE role = 'customer'
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active, lower(id_number) FROM users WHERE role = 'customer'
) AS f
JOIN search_positions AS p ON p.n <= length(f.v)
JOIN (SELECT 0 AS len UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) AS l ON p.n + l.len - 1 <= length(f.v);

-- A user's texts are taken away before a change or delete (the row still holds the old
-- values) and added after an insert or change. A bulk load (`duka generate`) pauses them
-- (counter 'search_grams_paused') and counts every user once at its end, in the same
-- transaction that resumes them; a start finds a pause left by a stopped load and does
-- the same.
CREATE TRIGGER users_grams_insert AFTER INSERT ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, 1 FROM search_gram_rows WHERE id = NEW.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_grams_delete BEFORE DELETE ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, -1 FROM search_gram_rows WHERE id = OLD.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_grams_update_before BEFORE UPDATE OF username, email, full_name, phone_number, id_number, role, deleted_at, is_active ON users
WHEN (OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number
    OR OLD.role IS NOT NEW.role
    OR OLD.deleted_at IS NOT NEW.deleted_at
    OR OLD.is_active IS NOT NEW.is_active)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, -1 FROM search_gram_rows WHERE id = OLD.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_grams_update_after AFTER UPDATE OF username, email, full_name, phone_number, id_number, role, deleted_at, is_active ON users
WHEN (OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number
    OR OLD.role IS NOT NEW.role
    OR OLD.deleted_at IS NOT NEW.deleted_at
    OR OLD.is_active IS NOT NEW.is_active)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, 1 FROM search_gram_rows WHERE id = NEW.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
END;

INSERT INTO search_positions (n)
    WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < 1024) SELECT n FROM p;
INSERT INTO counters (name, value) VALUES ('search_grams_paused', 0);

-- The users already there are counted by Duka after this step (SearchGramCounts:
-- SQL's GROUP BY over search_gram_rows sorts every (user, text) pair, 93 s for 100,000 users).
