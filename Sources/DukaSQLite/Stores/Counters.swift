import DukaCore
import SQLite

/// Exact row counts kept by triggers (see `counters` in schema.sql), read by primary key.
public enum Counters {
    public enum Name: String, Sendable, CaseIterable {
        case customersLive = "customers_live"
        case customersAll = "customers_all"
        /// Not a count: bumped by every change to which users are live customers.
        case customersVersion = "customers_version"
        case products
        case carts
    }

    public static func value(_ name: Name, in db: Connection) throws -> Int64 {
        try db.scalarInt("SELECT value FROM counters WHERE name = ?", name.rawValue) ?? 0
    }

    /// What the counter should read, counted the slow way (for tests and checks).
    public static func recount(_ name: Name, in db: Connection) throws -> Int64 {
        let sql: String
        switch name {
        case .customersVersion: return try value(name, in: db)
        case .customersLive: sql = "SELECT COUNT(*) FROM users WHERE role = 'customer' AND deleted_at IS NULL"
        case .customersAll: sql = "SELECT COUNT(*) FROM users WHERE role = 'customer'"
        case .products: sql = "SELECT COUNT(*) FROM products"
        case .carts: sql = "SELECT COUNT(*) FROM carts"
        }
        return try db.scalarInt(sql) ?? 0
    }
}
