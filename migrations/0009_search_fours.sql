-- Migration 9: the four-character indexes of long searches (see schema.sql).

-- Every run of four ASCII letters or digits (lower case) in a user's searched columns,
-- one index per list: 'c' the portal's columns, 'u' the users API's. A long search
-- narrowed to its rarest four characters (`IndexedText`) looks them up here when they are
-- letters or digits. The trigram index finds four characters by reading both trigrams'
-- lists, which grow with the shop (at 1,000,000 customers `0905`'s trigrams are in
-- 13,000 users or more each, for 1,300 holding `0905`); here the four's list is its
-- users alone. A row with a character outside printable ASCII in those columns also
-- holds the word `notplain`, which every lookup here takes as a candidate: the trigram
-- index folds such rows' case as `lower` does not (the Kelvin sign is `k` there), and
-- each candidate is confirmed. Contentless, without positions or sizes (detail=none,
-- columnsize=0: neither is read): a delete names the row's fours again, from the view
-- below (or `SearchFours` in a rebuild: the same words).
CREATE VIRTUAL TABLE users_fours_c USING fts5(fours, content = '', detail = none, columnsize = 0, tokenize = 'ascii');
CREATE VIRTUAL TABLE users_fours_u USING fts5(fours, content = '', detail = none, columnsize = 0, tokenize = 'ascii');

-- Each user's words for the two indexes, read by id (the triggers).
CREATE VIEW search_four_rows AS
SELECT id,
    coalesce((
        SELECT group_concat(g, ' ') FROM (
            SELECT lower(substr(v, n, 4)) AS g FROM (
                SELECT users.full_name AS v UNION ALL SELECT users.email UNION ALL SELECT users.phone_number UNION ALL SELECT users.id_number
            ) JOIN search_positions ON n <= length(v) - 3
        ) WHERE g NOT GLOB '*[^a-z0-9]*'
    ), '')
    || CASE WHEN users.full_name GLOB '*[^ -~]*' OR users.email GLOB '*[^ -~]*' OR users.phone_number GLOB '*[^ -~]*'
        OR users.id_number GLOB '*[^ -~]*' THEN ' notplain' ELSE '' END AS c,
    coalesce((
        SELECT group_concat(g, ' ') FROM (
            SELECT lower(substr(v, n, 4)) AS g FROM (SELECT users.username AS v UNION ALL SELECT users.email)
            JOIN search_positions ON n <= length(v) - 3
        ) WHERE g NOT GLOB '*[^a-z0-9]*'
    ), '')
    || CASE WHEN users.username GLOB '*[^ -~]*' OR users.email GLOB '*[^ -~]*' THEN ' notplain' ELSE '' END AS u
FROM users;

-- Paused with the counts of short searches during a bulk load, whose end indexes every
-- user again (`SearchGramCounts.resume`).
CREATE TRIGGER users_fours_insert AFTER INSERT ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO users_fours_c (rowid, fours) SELECT id, c FROM search_four_rows WHERE id = NEW.id;
    INSERT INTO users_fours_u (rowid, fours) SELECT id, u FROM search_four_rows WHERE id = NEW.id;
END;

CREATE TRIGGER users_fours_delete BEFORE DELETE ON users
WHEN (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO users_fours_c (users_fours_c, rowid, fours) SELECT 'delete', id, c FROM search_four_rows WHERE id = OLD.id;
    INSERT INTO users_fours_u (users_fours_u, rowid, fours) SELECT 'delete', id, u FROM search_four_rows WHERE id = OLD.id;
END;

CREATE TRIGGER users_fours_update_before BEFORE UPDATE OF id, username, email, full_name, phone_number, id_number ON users
WHEN (OLD.id IS NOT NEW.id
    OR OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO users_fours_c (users_fours_c, rowid, fours) SELECT 'delete', id, c FROM search_four_rows WHERE id = OLD.id;
    INSERT INTO users_fours_u (users_fours_u, rowid, fours) SELECT 'delete', id, u FROM search_four_rows WHERE id = OLD.id;
END;

CREATE TRIGGER users_fours_update_after AFTER UPDATE OF id, username, email, full_name, phone_number, id_number ON users
WHEN (OLD.id IS NOT NEW.id
    OR OLD.username IS NOT NEW.username
    OR OLD.email IS NOT NEW.email
    OR OLD.full_name IS NOT NEW.full_name
    OR OLD.phone_number IS NOT NEW.phone_number
    OR OLD.id_number IS NOT NEW.id_number)
    AND (SELECT value FROM counters WHERE name = 'search_grams_paused') = 0
BEGIN
    INSERT INTO users_fours_c (rowid, fours) SELECT id, c FROM search_four_rows WHERE id = NEW.id;
    INSERT INTO users_fours_u (rowid, fours) SELECT id, u FROM search_four_rows WHERE id = NEW.id;
END;
