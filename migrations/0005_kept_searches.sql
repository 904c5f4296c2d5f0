-- Migration 5: exact totals kept for long searches that match many users (see schema.sql).

-- Texts of 4 or more printable ASCII characters (ASCII lower case) whose totals, per
-- list and filter bucket, the triggers below keep from the moment a text is added here:
-- texts so common that counting them at request time grows with the shop (`.co.ke`,
-- `+25471`, a common surname). Duka adds a text after a search finds it in many users
-- (`ready` 0: the triggers count changes, the users already there are not counted yet),
-- counts the users already there in one snapshot and adds them (`ready` 1). Bounded:
-- Duka removes the least common text to make room. `since`: when it was added.
CREATE TABLE search_texts (
    list  TEXT    NOT NULL,
    text  TEXT    NOT NULL,
    ready INTEGER NOT NULL DEFAULT 0,
    since INTEGER NOT NULL,
    PRIMARY KEY (list, text)
) WITHOUT ROWID;

CREATE TABLE search_text_counts (
    list   TEXT    NOT NULL,
    text   TEXT    NOT NULL,
    bucket INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (list, text, bucket)
) WITHOUT ROWID;

-- Users with a character outside printable ASCII in a searched column: the trigram
-- index folds their case as `lower` cannot, so the triggers leave them out and a kept
-- total adds them at request time through the index (they are few).
CREATE INDEX users_not_plain ON users (id)
WHERE username GLOB '*[^ -~]*' OR email GLOB '*[^ -~]*' OR full_name GLOB '*[^ -~]*'
    OR phone_number GLOB '*[^ -~]*' OR id_number GLOB '*[^ -~]*';

-- Each plain user's searched columns per list (ASCII lower case), with its bucket.
CREATE VIEW search_text_rows AS
SELECT id, 'u' AS list, CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active AS bucket,
    lower(username) AS a, lower(email) AS b, NULL AS c, NULL AS d
FROM users
WHERE NOT coalesce(username GLOB '*[^ -~]*' OR email GLOB '*[^ -~]*' OR full_name GLOB '*[^ -~]*'
    OR phone_number GLOB '*[^ -~]*' OR id_number GLOB '*[^ -~]*', 0)
UNION ALL
SELECT id, 'c', CASE role WHEN 'admin' THEN 0 WHEN 'manager' THEN 1 WHEN 'cashier' THEN 2 WHEN 'employee' THEN 3 ELSE 4 END * 4
        + (deleted_at IS NOT NULL) * 2 + is_active,
    lower(full_name), lower(email), lower(phone_number), lower(id_number)
FROM users
WHERE role = 'customer' AND NOT coalesce(username GLOB '*[^ -~]*' OR email GLOB '*[^ -~]*' OR full_name GLOB '*[^ -~]*'
    OR phone_number GLOB '*[^ -~]*' OR id_number GLOB '*[^ -~]*', 0);

-- As the short-search triggers: a user's matches are taken away before a change or
-- delete and added after an insert or change; nothing to do while no text is kept, or
-- while a bulk load pauses the counts (its end forgets every kept text).
CREATE TRIGGER users_texts_insert AFTER INSERT ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0 AND EXISTS (SELECT 1 FROM search_texts)
BEGIN
    INSERT INTO search_text_counts (list, text, bucket, count)
    SELECT t.list, t.text, r.bucket, 1 FROM search_text_rows AS r JOIN search_texts AS t ON t.list = r.list
    WHERE r.id = NEW.id AND (instr(r.a, t.text) > 0 OR instr(r.b, t.text) > 0 OR instr(r.c, t.text) > 0 OR instr(r.d, t.text) > 0)
    ON CONFLICT (list, text, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_texts_delete BEFORE DELETE ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0 AND EXISTS (SELECT 1 FROM search_texts)
BEGIN
    INSERT INTO search_text_counts (list, text, bucket, count)
    SELECT t.list, t.text, r.bucket, -1 FROM search_text_rows AS r JOIN search_texts AS t ON t.list = r.list
    WHERE r.id = OLD.id AND (instr(r.a, t.text) > 0 OR instr(r.b, t.text) > 0 OR instr(r.c, t.text) > 0 OR instr(r.d, t.text) > 0)
    ON CONFLICT (list, text, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_texts_update_before BEFORE UPDATE OF username, email, full_name, phone_number, id_number, role, deleted_at, is_active ON users
WHEN (OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number
    OR OLD.role IS NOT NEW.role
    OR OLD.deleted_at IS NOT NEW.deleted_at
    OR OLD.is_active IS NOT NEW.is_active)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0 AND EXISTS (SELECT 1 FROM search_texts)
BEGIN
    INSERT INTO search_text_counts (list, text, bucket, count)
    SELECT t.list, t.text, r.bucket, -1 FROM search_text_rows AS r JOIN search_texts AS t ON t.list = r.list
    WHERE r.id = OLD.id AND (instr(r.a, t.text) > 0 OR instr(r.b, t.text) > 0 OR instr(r.c, t.text) > 0 OR instr(r.d, t.text) > 0)
    ON CONFLICT (list, text, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER users_texts_update_after AFTER UPDATE OF username, email, full_name, phone_number, id_number, role, deleted_at, is_active ON users
WHEN (OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number
    OR OLD.role IS NOT NEW.role
    OR OLD.deleted_at IS NOT NEW.deleted_at
    OR OLD.is_active IS NOT NEW.is_active)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0 AND EXISTS (SELECT 1 FROM search_texts)
BEGIN
    INSERT INTO search_text_counts (list, text, bucket, count)
    SELECT t.list, t.text, r.bucket, 1 FROM search_text_rows AS r JOIN search_texts AS t ON t.list = r.list
    WHERE r.id = NEW.id AND (instr(r.a, t.text) > 0 OR instr(r.b, t.text) > 0 OR instr(r.c, t.text) > 0 OR instr(r.d, t.text) > 0)
    ON CONFLICT (list, text, bucket) DO UPDATE SET count = count + excluded.count;
END;
