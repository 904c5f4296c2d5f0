/// What the API asks a storage engine for: filters and changes, engine-neutral.

/// `GET /api/v1/users`'s query.
public struct UserListFilter: Sendable {
    public enum Status: String, Sendable, CaseIterable { case active, deleted, all }
    public enum SortKey: String, Sendable, CaseIterable {
        case createdAt = "created_at"
        case username
    }
    public enum SortOrder: String, Sendable, CaseIterable { case asc, desc }

    public var search: String?
    public var role: Role?
    public var status: Status = .active
    public var sortBy: SortKey = .createdAt
    public var sortOrder: SortOrder = .desc

    public init(search: String? = nil, role: Role? = nil, status: Status = .active, sortBy: SortKey = .createdAt, sortOrder: SortOrder = .desc) {
        self.search = search
        self.role = role
        self.status = status
        self.sortBy = sortBy
        self.sortOrder = sortOrder
    }
}

/// A partial update of a user: nil leaves a field as it is; profile fields use
/// `.some(nil)` to clear.
public struct UserChanges: Sendable {
    public var username: String?
    public var email: String?
    public var passwordHash: String?
    public var role: Role?
    public var isActive: Bool?
    public var fullName: String??
    public var idNumber: String??
    public var phoneNumber: String??
    public var county: String??
    public var town: String??
    public var street: String??

    public init() {}
}

/// The employee portal's customer list query.
public struct CustomerFilter: Sendable {
    public var includeDeleted = false
    public var search: String?
    public var isActive: Bool?

    public init(includeDeleted: Bool = false, search: String? = nil, isActive: Bool? = nil) {
        self.includeDeleted = includeDeleted
        self.search = search
        self.isActive = isActive
    }
}

/// The state changes of the employee portal.
public enum CustomerChange: String, Sendable {
    case softDelete = "soft_delete"
    case restore
    case activate
    case deactivate

    /// The audit action (`customer.soft_delete`, ...).
    public var auditAction: String { "customer.\(rawValue)" }
}

/// The dashboard's counts.
public struct Dashboard: Sendable, Equatable {
    public var customers: Int64
    public var products: Int64
    public var carts: Int64

    public init(customers: Int64, products: Int64, carts: Int64) {
        self.customers = customers
        self.products = products
        self.carts = carts
    }
}

/// `GET /api/v1/products`'s query.
public struct ProductFilter: Sendable {
    /// A substring of the name or the sku.
    public var search: String?
    public var includeInactive = false

    public init(search: String? = nil, includeInactive: Bool = false) {
        self.search = search
        self.includeInactive = includeInactive
    }
}

/// A product's fields on create (sku, name and price required) or update (any).
public struct ProductFields: Sendable {
    public var sku: String?
    public var name: String?
    public var description: String?
    public var unit: String?
    public var unitPriceCents: Int64?
    public var isActive: Bool?
    public var taxClass: TaxClass?
    public var trackStock: Bool?
    public var allowNegativeStock: Bool?
    /// `.some(nil)` clears the threshold.
    public var lowStockThresholdMilli: Int64??
    /// The whole list, replacing the product's (empty: none).
    public var barcodes: [String]?

    public init() {}
}

/// A customer named by staff: the integer id or the uuid the users API shows.
public enum CustomerReference: Sendable, Equatable {
    case id(Int64)
    case uuid(String)
}

/// `GET /api/v1/carts`'s query.
public struct CartListFilter: Sendable {
    /// Nil: every customer's carts.
    public var customer: CustomerReference?
    public var status: Cart.Status?
    public var branchID: Int64?
    /// The sale with this receipt number (what the printed receipt shows a refunds desk).
    public var receiptNumber: String?

    public init(customer: CustomerReference? = nil, status: Cart.Status? = nil, branchID: Int64? = nil, receiptNumber: String? = nil) {
        self.customer = customer
        self.status = status
        self.branchID = branchID
        self.receiptNumber = receiptNumber
    }
}

/// A page whose rows an engine has already written as JSON (a comma-separated run of
/// values, appended to the writer it was given).
public struct WrittenRows: Sendable {
    public var out: JSONWriter
    public var total: Int64
    public var request: PageRequest

    public init(out: JSONWriter, total: Int64, request: PageRequest) {
        self.out = out
        self.total = total
        self.request = request
    }

    public var pageCount: Int64 { request.pageCount(total: total) }
}
