/// Why a change was refused: each engine finds these itself (a guard in its transaction,
/// or its own constraint error) and the API answers each with its own status and code.

public enum UserChangeError: Error, Equatable {
    case notFound
    /// The taken fields: `username`, `email` or both.
    case duplicate([String])
    case lastAdmin
    case cannotDeleteSelf
    case hasDependents
}

public enum CustomerChangeError: Error, Equatable {
    case notFound
    case alreadyDeleted, notDeleted, alreadyActive, alreadyInactive
}

public enum ProductChangeError: Error, Equatable {
    case notFound
    case duplicateSKU
    case hasDependents
    /// A barcode another product carries, or given twice (`barcodes.N`).
    case duplicateBarcode(field: String)
}

public enum CartChangeError: Error, Equatable {
    case notFound
    case itemNotFound
    case activeCartExists
    case cartNotActive
    case emptyCart
    /// The customer named when opening a cart is nobody, not a customer, inactive or deleted.
    case customerNotAllowed
    case productUnknown
    case productInactive
    case quantityTooLarge
    /// The change would take the cart's total past `CatalogueRules.maximumCartTotalCents`.
    case cartTotalTooLarge
}

/// The engine itself failed: nothing was saved. Engines turn their own errors into this.
public struct StorageError: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The disk or the database's size limit is full.
        case full
        case readOnly
        /// The operating system reported an I/O error (a failing or vanished disk).
        case ioError
        /// Locked by another process past the wait.
        case busy
        /// The database server is out of reach (down, restarting, refusing connections).
        case unavailable
    }

    public let kind: Kind
    /// The engine's own message, for the log only.
    public let message: String

    public init(_ kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String {
        switch kind {
        case .full: "database full: \(message)"
        case .readOnly: "database read-only: \(message)"
        case .ioError: "database I/O error: \(message)"
        case .busy: "database busy: \(message)"
        case .unavailable: "database unavailable: \(message)"
        }
    }
}
