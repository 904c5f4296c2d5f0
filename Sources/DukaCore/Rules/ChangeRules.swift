/// The decisions of each change that need only the rows it touches: every engine runs
/// them inside its write transaction, on rows it has just read, and does the SQL.

extension UserChanges {
    /// `user` with these changes.
    public func applied(to user: User) -> User {
        var next = user
        if let username { next.username = username }
        if let email { next.email = email }
        if let role { next.role = role }
        if let isActive { next.isActive = isActive }
        if let fullName { next.profile.fullName = fullName }
        if let idNumber { next.profile.idNumber = idNumber }
        if let phoneNumber { next.profile.phoneNumber = phoneNumber }
        if let county { next.profile.county = county }
        if let town { next.profile.town = town }
        if let street { next.profile.street = street }
        if let passwordHash { next.passwordHash = passwordHash }
        return next
    }

    /// A new password, a new role or a deactivation ends every session of the user.
    public func endsSessions(from current: User, to next: User) -> Bool {
        passwordHash != nil || next.role != current.role || (current.isActive && !next.isActive)
    }
}

extension User {
    /// Counts towards "at least one active admin".
    public var isActiveAdmin: Bool { role == .admin && isActive && !isDeleted }

    /// The username and email to check for takers: those that change other than in case.
    public func renamedFields(in next: User) -> (username: String?, email: String?) {
        (next.username.lowercased() == username.lowercased() ? nil : next.username,
         next.email.lowercased() == email.lowercased() ? nil : next.email)
    }
}

extension CustomerChange {
    /// Why `customer` cannot take this change, if it cannot.
    public func refusal(for customer: User) -> CustomerChangeError? {
        switch self {
        case .softDelete: customer.isDeleted ? .alreadyDeleted : nil
        case .restore: customer.isDeleted ? nil : .notDeleted
        case .activate: customer.isActive ? .alreadyActive : nil
        case .deactivate: customer.isActive ? nil : .alreadyInactive
        }
    }

    /// Soft delete and deactivation end the customer's sessions.
    public var endsSessions: Bool { self == .softDelete || self == .deactivate }
}

extension ProductFields {
    /// `product` with these fields.
    public func applied(to product: Product) -> Product {
        var next = product
        if let sku { next.sku = sku }
        if let name { next.name = name }
        if let description { next.description = description }
        if let unit { next.unit = unit }
        if let unitPriceCents { next.unitPriceCents = unitPriceCents }
        if let isActive { next.isActive = isActive }
        if let taxClass { next.taxClass = taxClass }
        if let trackStock { next.trackStock = trackStock }
        if let allowNegativeStock { next.allowNegativeStock = allowNegativeStock }
        if let lowStockThresholdMilli { next.lowStockThresholdMilli = lowStockThresholdMilli }
        if let barcodes { next.barcodes = barcodes }
        return next
    }
}

extension Cart {
    /// Refuses a change after which the total would pass `CatalogueRules.maximumCartTotalCents`:
    /// the line `replacing` (nil: a new line) gets `line`'s price and quantity.
    public func checkTotal(replacing itemID: Int64?, with line: (priceCents: Int64, quantityMilli: Int64)) throws {
        var total = FixedPoint.lineTotal(unitPriceCents: line.priceCents, quantityMilli: line.quantityMilli) ?? .max
        for item in items where item.id != itemID {
            total = min(total, CatalogueRules.maximumCartTotalCents + 1) + item.lineTotalCents
        }
        guard total <= CatalogueRules.maximumCartTotalCents else { throw CartChangeError.cartTotalTooLarge }
    }

    /// The line a new quantity of `productID` at `priceCents` through `channel` adds to, if any.
    public func line(for productID: Int64, priceCents: Int64, taxClass: TaxClass, channel: CartItem.SaleChannel) -> CartItem? {
        items.first {
            $0.productID == productID && $0.unitPriceCents == priceCents && $0.taxClass == taxClass && $0.saleChannel == channel
        }
    }

    /// `line`'s quantity grown by `quantityMilli`, or `.quantityTooLarge`.
    public static func grown(_ line: CartItem, by quantityMilli: Int64) throws -> Int64 {
        let (sum, overflow) = line.quantityMilli.addingReportingOverflow(quantityMilli)
        guard !overflow, sum <= CatalogueRules.maximumQuantityMilli else { throw CartChangeError.quantityTooLarge }
        return sum
    }
}
