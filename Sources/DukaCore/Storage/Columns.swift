/// A table's columns in SELECT order. One definition gives both the list an engine
/// selects and the position at which each column is read back, so the two cannot drift.
public protocol TableColumn: CaseIterable, Sendable {
    /// The column's position in `selectList`.
    var position: Int32 { get }
}

extension TableColumn where Self: RawRepresentable, RawValue == Int32 {
    @inlinable
    public var position: Int32 { rawValue }
}

extension TableColumn {
    /// The SQL name: the case name in snake case (`passwordHash` is `password_hash`,
    /// `actorUUID` is `actor_uuid`).
    public var name: String {
        var name = ""
        var previousWasLower = false
        for character in String(describing: self) {
            if character.isUppercase, previousWasLower { name.append("_") }
            previousWasLower = character.isLowercase || character.isNumber
            name.append(contentsOf: character.lowercased())
        }
        return name
    }

    /// Every column, in position order, comma-separated (each prefixed with `table.` when given).
    public static func selectList(table: String? = nil) -> String {
        let prefix = table.map { $0 + "." } ?? ""
        return allCases.map { prefix + $0.name }.joined(separator: ", ")
    }
}

public enum UserColumn: Int32, TableColumn {
    case id, uuid, username, email, passwordHash, role, fullName, idNumber, phoneNumber
    case county, town, street, isActive, deletedAt, sessionVersion, createdAt, updatedAt
}

public enum ProductColumn: Int32, TableColumn {
    case id, sku, name, description, unit, unitPriceCents, isActive, createdAt, updatedAt, taxClass
    case trackStock, allowNegativeStock, lowStockThresholdMilli, barcodes
}

public enum CartColumn: Int32, TableColumn {
    case id, userID, status, createdAt, updatedAt
    case branchID, receiptNumber, paymentStatus, changeCents, shiftID, cashier, refundedCents
}

public enum CartItemColumn: Int32, TableColumn {
    case id, cartID, productID, quantityMilli, saleChannel, unitPriceCents, createdAt, updatedAt, taxClass
}

public enum AuditLogColumn: Int32, TableColumn {
    case id, actorUUID, actorUsername, action, targetType, targetID, createdAt
}
