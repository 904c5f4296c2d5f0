import DukaCore
import Hummingbird
import SQLite

/// The employee portal (API.md section 3): dashboard and customer management, for the
/// roles `employee` and `admin`. Its shapes are a client app's contract: integer ids,
/// bare objects, `page`/`per_page` pagination.
struct EmployeeController {
    let database: Database
    let authenticator: Authenticator

    static let roles: Set<Role> = [.employee, .admin]

    func register(in routes: RouteTable) {
        routes.get("/employee/dashboard", dashboard)
        routes.get("/employee/customers", list)
        routes.get("/employee/customers/:id", detail)
        routes.delete("/employee/customers/:id") { try await change(.softDelete, "Customer deleted successfully", $0, $1) }
        routes.post("/employee/customers/:id/restore") { try await change(.restore, "Customer restored successfully", $0, $1) }
        routes.post("/employee/customers/:id/activate") { try await change(.activate, "Customer activated successfully", $0, $1) }
        routes.post("/employee/customers/:id/deactivate") { try await change(.deactivate, "Customer deactivated successfully", $0, $1) }
    }

    @Sendable func dashboard(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let (customers, products, carts) = try await authenticator.read(request, roles: Self.roles) { _, db in
            (try CustomerStore.countLive(in: db), try ProductStore.count(in: db), try CartStore.count(in: db))
        }
        return .json(.object([
            "total_customers": .int(customers),
            "total_products": .int(products),
            "total_carts": .int(carts),
        ]))
    }

    @Sendable func list(_ request: Request, context: DukaRequestContext) async throws -> Response {
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "per_page", defaultSize: 20)
        let filter = CustomerStore.Filter(
            includeDeleted: query.bool("include_deleted") ?? false,
            search: query.search(),
            isActive: query.bool("is_active")
        )
        // The hottest answer of the portal: each row is written from SQLite's bytes as it
        // is stepped (no User values), keys in sorted order.
        let out = try await authenticator.read(request, roles: Self.roles, checked: query.outcome) { _, db -> JSONWriter in
            var out = JSONWriter(capacity: 512 + Int(page.size) * 480)
            out.beginObject()
            out.key("customers")
            out.beginArray()
            let result = try CustomerStore.list(filter, page: page, in: db) { row in UserJSON.writeCustomer(row: row, to: &out) }
            out.endArray()
            out.key("pagination")
            out.beginObject()
            out.key("has_next"); out.bool(page.page < result.pageCount)
            out.key("has_prev"); out.bool(page.page > 1)
            out.key("page"); out.int(page.page)
            out.key("pages"); out.int(result.pageCount)
            out.key("per_page"); out.int(page.size)
            out.key("total"); out.int(result.total)
            out.endObject()
            out.endObject()
            return out
        }
        return .json(out)
    }

    @Sendable func detail(_ request: Request, context: DukaRequestContext) async throws -> Response {
        let id = Result { try PathID.integer(context) }
        let found = try await authenticator.read(request, roles: Self.roles) { _, db -> (User, [Cart])? in
            let id = try id.get()
            guard let customer = try CustomerStore.find(id: id, in: db) else { return nil }
            return (customer, try CartStore.carts(ofUser: id, in: db))
        }
        guard let (customer, carts) = found else { throw Self.notFound }
        var out = JSONWriter(capacity: 1024 + carts.count * 1024)
        out.beginObject()
        out.key("customer")
        UserJSON.writeCustomer(customer, carts: carts, to: &out)
        out.endObject()
        return .json(out)
    }

    func change(_ change: CustomerStore.Change, _ message: String, _ request: Request, _ context: DukaRequestContext) async throws -> Response {
        let actor = try await authenticator.user(for: request, roles: Self.roles)
        let id = try PathID.integer(context)
        do {
            let customer = try await database.write { try CustomerStore.apply(change, customerID: id, actor: actor, in: $0) }
            return .json(.object(["message": .string(message), "customer": .object(UserJSON.customer(customer))]))
        } catch let error as CustomerStore.ChangeError {
            switch error {
            case .notFound: throw Self.notFound
            case .alreadyDeleted: throw APIError(.badRequest, code: "already_deleted", message: "Customer is already deleted")
            case .notDeleted: throw APIError(.badRequest, code: "not_deleted", message: "Customer is not deleted")
            case .alreadyActive: throw APIError(.badRequest, code: "already_active", message: "Customer is already active")
            case .alreadyInactive: throw APIError(.badRequest, code: "already_inactive", message: "Customer is already inactive")
            }
        }
    }

    static let notFound = APIError.notFound("Customer not found")
}
