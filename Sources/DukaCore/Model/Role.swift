/// The five roles of API.md section 2.
public enum Role: String, Sendable, CaseIterable, Codable {
    case admin, manager, cashier, employee, customer
}
