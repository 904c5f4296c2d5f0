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
}
