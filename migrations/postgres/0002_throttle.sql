-- PostgreSQL migration 2: login and registration attempts, counted in the database so
-- that every instance of a chain sees one count (API.md section 2's limits hold for the
-- chain, not per instance). SQLite keeps these counts in the one process that holds the
-- file.
--
-- UNLOGGED (the table and its sequence): no WAL for failed logins, so an attempt's
-- statement commits without waiting for the disk, and the keys' locks are held that
-- much less. A crash of PostgreSQL (or a failover to a standby) empties the table, as a
-- restart of a single server forgets its in-memory counts.

CREATE UNLOGGED TABLE throttle_attempts (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- One attempt's rows (its account's and its address's) share a reservation.
    reservation BIGINT  NOT NULL,
    -- The scope and the key, e.g. 'login account user:12' or 'login address 10.0.0.7'.
    key         TEXT    COLLATE "C" NOT NULL,
    expires_at  BIGINT  NOT NULL,
    -- Reserved while its password is checked; a failure once settled.
    in_flight   BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE INDEX throttle_attempts_key ON throttle_attempts (key, expires_at);
CREATE INDEX throttle_attempts_reservation ON throttle_attempts (reservation);
CREATE INDEX throttle_attempts_expires ON throttle_attempts (expires_at);

CREATE UNLOGGED SEQUENCE throttle_reservations;

-- Takes a place for one attempt under `account_key` (NULL: the address only) and
-- `address_key`, or, when a limit is reached, answers -(seconds to wait × 4 + which
-- limits: 1 the account's, 2 the address's). The keys
-- are locked first (transaction advisory locks, in one order on every instance), so two
-- instances cannot both count four and both add a fifth.
CREATE FUNCTION duka_throttle_reserve(
    account_key TEXT, address_key TEXT, now BIGINT, time_window BIGINT, per_account BIGINT, per_address BIGINT
) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    wait BIGINT := 0;
    limited INT := 0;
    attempts BIGINT;
    oldest BIGINT;
    taken BIGINT;
BEGIN
    PERFORM pg_advisory_xact_lock(1685418849, h)
    FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(ARRAY[account_key, address_key]) AS k WHERE k IS NOT NULL ORDER BY 1) AS keys;
    DELETE FROM throttle_attempts WHERE expires_at <= now;
    IF account_key IS NOT NULL THEN
        SELECT COUNT(*), MIN(expires_at) INTO attempts, oldest FROM throttle_attempts WHERE key = account_key;
        IF attempts >= per_account THEN wait := GREATEST(wait, oldest - now, 1); limited := limited | 1; END IF;
    END IF;
    SELECT COUNT(*), MIN(expires_at) INTO attempts, oldest FROM throttle_attempts WHERE key = address_key;
    IF attempts >= per_address THEN wait := GREATEST(wait, oldest - now, 1); limited := limited | 2; END IF;
    IF wait > 0 THEN RETURN -(wait * 4 + limited); END IF;
    taken := nextval('throttle_reservations');
    INSERT INTO throttle_attempts (reservation, key, expires_at)
    SELECT taken, k, now + time_window FROM unnest(ARRAY[account_key, address_key]) AS k WHERE k IS NOT NULL;
    RETURN taken;
END
$$;
