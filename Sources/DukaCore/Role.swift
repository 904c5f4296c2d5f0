/// The five roles of API.md section 2.
public enum Role: String, Sendable, CaseIterable, Codable {
    case admin, manager, cashier, employee, customer

    /// Staff are every role but `customer`.
    public var isStaff: Bool { self != .customer }
}
