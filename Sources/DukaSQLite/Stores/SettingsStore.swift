import DukaCore
import SQLite

/// The SQL of the `settings` table (server-wide key/value pairs).
public enum SettingsStore {
    public static func value(_ key: String, in db: Connection) throws -> String? {
        try db.queryFirst("SELECT value FROM settings WHERE key = ?", key) { $0.string(0) }
    }

    /// Stores `value` unless the key already has one; answers the value now stored.
    public static func insertIfAbsent(_ key: String, value: String, in db: Connection) throws -> String {
        try db.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value)
        return try self.value(key, in: db)!
    }

    public static func set(_ key: String, value: String, in db: Connection) throws {
        try db.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
    }
}

extension SigningSecret {
    /// The stored secret, made on first use.
    public static func stored(in db: Connection) throws -> String {
        try SettingsStore.insertIfAbsent(key, value: random(), in: db)
    }

    /// `duka rotate-secret`: a new secret replaces the old one, which is gone, and every
    /// user's session version jumps by one random amount, so every token ends at once,
    /// even on a running server that has not yet picked the new secret up, and whoever
    /// holds the old secret cannot guess the versions to forge for in the meantime.
    /// Answers how many users' sessions ended.
    @discardableResult
    public static func rotate(in db: Connection) throws -> Int64 {
        try SettingsStore.set(key, value: random(), in: db)
        let jump = versionJump()
        return Int64(try db.execute("UPDATE users SET session_version = session_version + ?", jump))
    }
}
