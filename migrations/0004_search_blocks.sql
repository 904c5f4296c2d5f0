-- Migration 4: where short searches' matches lie, per block of each list (see schema.sql).

-- Where a short search's matches lie in its list's page order: search_grams' counts
-- again, per block of the list (see search_gram_rows). A page starts its walk at the
-- block holding its first row (summing the blocks before it) instead of walking every
-- match and non-match before it: a deep page, or a text whose matches all lie far from
-- the list's start, costs about what a first page does. Kept by the same triggers.
CREATE TABLE search_blocks (
    list   TEXT    NOT NULL,
    gram   TEXT    NOT NULL,
    block  INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (list, gram, block, bucket)
) WITHOUT ROWID;

-- Blocks of 65,536 seconds of sign-ups (18 hours) and of 2,048 customer ids.
INSERT INTO counters (name, value) VALUES ('search_block_shift_u', 16), ('search_block_shift_c', 11);

DROP TRIGGER users_grams_insert;
DROP TRIGGER users_grams_delete;
DROP TRIGGER users_grams_update_before;
DROP TRIGGER users_grams_update_after;
DROP VIEW search_gram_rows;

-- Every (user, list, bucket, block, text of 0 to 3 characters) once. A user's block
-- places it in its list's page order: 'u' (newest first, or oldest) by created_at >>
-- counter 'search_block_shift_u', 'c' (by id) by id >> 'search_block_shift_c'. Read by
-- id (the triggers: SQLite takes `id = ?` into each arm) or whole (a first count).
CREATE VIEW search_gram_rows AS
SELECT DISTINCT f.id, f.list, f.bucket, f.block, substr(f.v, p.n, l.len) AS gram
FROM (
    SELECT id, 'u' AS list, CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active AS bucket,
        created_at >> (SELECT value FROM counters WHERE name = 'search_block_shift_u') AS block, lower(username) AS v FROM users
    UNION ALL SELECT id, 'u', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
        created_at >> (SELECT value FROM counters WHERE name = 'search_block_shift_u'), lower(email) FROM users
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
        id >> (SELECT value FROM counters WHERE name = 'search_block_shift_c'), lower(full_name) FROM users WHERE role = 'customer'
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
        id >> (SELECT value FROM counters WHERE name = 'search_block_shift_c'), lower(email) FROM users WHERE role = 'customer'
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
        id >> (SELECT value FROM counters WHERE name = 'search_block_shift_c'), lower(phone_number) FROM users WHERE role = 'customer'
    UNION ALL SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
        id >> (SELECT value FROM counters WHERE name = 'search_block_shift_c'), lower(id_number) FROM users WHERE role = 'customer'
) AS f
JOIN search_positions AS p ON p.n <= length(f.v)
JOIN (SELECT 0 AS len UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) AS l ON p.n + l.len - 1 <= length(f.v);

-- A user's texts are taken away before a change or delete (the row still holds the old
-- values) and added after an insert or change, in both tables. A bulk load (`duka
-- generate`) pauses them (counter 'search_grams_paused') and counts every user once at
-- its end, in the same transaction that resumes them; a start finds a pause left by a
-- stopped load and does the same.
CREATE TRIGGER users_grams_insert AFTER INSERT ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, 1 FROM search_gram_rows WHERE id = NEW.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
    INSERT INTO search_blocks (list, gram, block, bucket, count)
    SELECT list, gram, block, bucket, 1 FROM search_gram_rows WHERE id = NEW.id
    ON CONFLICT (list, gram, block, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_grams_delete BEFORE DELETE ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, -1 FROM search_gram_rows WHERE id = OLD.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
    INSERT INTO search_blocks (list, gram, block, bucket, count)
    SELECT list, gram, block, bucket, -1 FROM search_gram_rows WHERE id = OLD.id
    ON CONFLICT (list, gram, block, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_grams_update_before BEFORE UPDATE OF username, email, full_name, phone_number, id_number, role, deleted_at, is_active, created_at ON users
WHEN (OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number
    OR OLD.role IS NOT NEW.role
    OR OLD.deleted_at IS NOT NEW.deleted_at
    OR OLD.is_active IS NOT NEW.is_active
    OR OLD.created_at IS NOT NEW.created_at)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, -1 FROM search_gram_rows WHERE id = OLD.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
    INSERT INTO search_blocks (list, gram, block, bucket, count)
    SELECT list, gram, block, bucket, -1 FROM search_gram_rows WHERE id = OLD.id
    ON CONFLICT (list, gram, block, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_grams_update_after AFTER UPDATE OF username, email, full_name, phone_number, id_number, role, deleted_at, is_active, created_at ON users
WHEN (OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number
    OR OLD.role IS NOT NEW.role
    OR OLD.deleted_at IS NOT NEW.deleted_at
    OR OLD.is_active IS NOT NEW.is_active
    OR OLD.created_at IS NOT NEW.created_at)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO search_grams (list, gram, bucket, count)
    SELECT list, gram, bucket, 1 FROM search_gram_rows WHERE id = NEW.id
    ON CONFLICT (list, gram, bucket) DO UPDATE SET count = count + excluded.count;
    INSERT INTO search_blocks (list, gram, block, bucket, count)
    SELECT list, gram, block, bucket, 1 FROM search_gram_rows WHERE id = NEW.id
    ON CONFLICT (list, gram, block, bucket) DO UPDATE SET count = count + excluded.count;
END;

-- The users already there are placed by Duka after this step (SearchGramCounts).
