-- Migration 8: whether sign-up times follow ids (see schema.sql).

-- How many users signed up earlier than the user before them in id order (adjacent
-- pairs out of order). While none did, the users API's order by sign-up time is id
-- order, which the trigram index yields as it reads: a search's page is its first
-- matches, read without a sort. Kept exactly by the triggers below: an insert, delete
-- or change of sign-up time replaces at most two adjacent pairs; a changed id (Duka
-- never changes one) counts again from scratch.
INSERT INTO counters (name, value)
SELECT 'users_created_out_of_order', COUNT(*) FROM (
    SELECT created_at, LAG(created_at) OVER (ORDER BY id) AS before FROM users
) WHERE before > created_at;

CREATE TRIGGER users_order_insert AFTER INSERT ON users
BEGIN
    UPDATE counters SET value = value
        + coalesce((SELECT created_at FROM users WHERE id < NEW.id ORDER BY id DESC LIMIT 1) > NEW.created_at, 0)
        + coalesce(NEW.created_at > (SELECT created_at FROM users WHERE id > NEW.id ORDER BY id LIMIT 1), 0)
        - coalesce((SELECT created_at FROM users WHERE id < NEW.id ORDER BY id DESC LIMIT 1)
            > (SELECT created_at FROM users WHERE id > NEW.id ORDER BY id LIMIT 1), 0)
    WHERE name = 'users_created_out_of_order';
END;

CREATE TRIGGER users_order_delete AFTER DELETE ON users
BEGIN
    UPDATE counters SET value = value
        - coalesce((SELECT created_at FROM users WHERE id < OLD.id ORDER BY id DESC LIMIT 1) > OLD.created_at, 0)
        - coalesce(OLD.created_at > (SELECT created_at FROM users WHERE id > OLD.id ORDER BY id LIMIT 1), 0)
        + coalesce((SELECT created_at FROM users WHERE id < OLD.id ORDER BY id DESC LIMIT 1)
            > (SELECT created_at FROM users WHERE id > OLD.id ORDER BY id LIMIT 1), 0)
    WHERE name = 'users_created_out_of_order';
END;

CREATE TRIGGER users_order_update AFTER UPDATE OF created_at ON users
WHEN OLD.id = NEW.id AND OLD.created_at IS NOT NEW.created_at
BEGIN
    UPDATE counters SET value = value
        + coalesce((SELECT created_at FROM users WHERE id < NEW.id ORDER BY id DESC LIMIT 1) > NEW.created_at, 0)
        + coalesce(NEW.created_at > (SELECT created_at FROM users WHERE id > NEW.id ORDER BY id LIMIT 1), 0)
        - coalesce((SELECT created_at FROM users WHERE id < NEW.id ORDER BY id DESC LIMIT 1) > OLD.created_at, 0)
        - coalesce(OLD.created_at > (SELECT created_at FROM users WHERE id > NEW.id ORDER BY id LIMIT 1), 0)
    WHERE name = 'users_created_out_of_order';
END;

CREATE TRIGGER users_order_renumber AFTER UPDATE OF id ON users
WHEN OLD.id IS NOT NEW.id
BEGIN
    UPDATE counters SET value = (
        SELECT COUNT(*) FROM (SELECT created_at, LAG(created_at) OVER (ORDER BY id) AS before FROM users) WHERE before > created_at
    )
    WHERE name = 'users_created_out_of_order';
END;
