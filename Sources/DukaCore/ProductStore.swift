import SQLite

/// The SQL of `products`.
public enum ProductStore {
    public static func count(in db: Connection) throws -> Int64 {
        try db.scalarInt("SELECT COUNT(*) FROM products") ?? 0
    }
}
