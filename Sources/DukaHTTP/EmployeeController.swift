import DukaCore
import Hummingbird

/// The employee portal (API.md section 3): dashboard and customer management, for the
/// roles `employee` and `admin`. Its shapes are a client app's contract: integer ids,
/// bare objects, `page`/`per_page` pagination.
struct EmployeeController {
    let storage: any Storage

    func register(in routes: RouteTable) {
        routes.get("/employee/dashboard", roles: .portal, dashboard)
        routes.get("/employee/customers", roles: .portal, list)
        routes.get("/employee/customers/:id", roles: .portal, detail)
        routes.delete("/employee/customers/:id", roles: .portal) { try await change(.softDelete, "Customer deleted successfully", $0, $1, $2) }
        routes.post("/employee/customers/:id/restore", roles: .portal) { try await change(.restore, "Customer restored successfully", $0, $1, $2) }
        routes.post("/employee/customers/:id/activate", roles: .portal) { try await change(.activate, "Customer activated successfully", $0, $1, $2) }
        routes.post("/employee/customers/:id/deactivate", roles: .portal) { try await change(.deactivate, "Customer deactivated successfully", $0, $1, $2) }
        routes.get("/api/v1/export/customers.csv", roles: .portal) { request, _, caller in
            _ = try await caller.user()
            try QueryReader(request).finish()
            // By id, a keyset batch at a time: every customer, soft-deleted ones too.
            return try await CSVExport.response(named: "customers.csv", columns: CustomerCSV.columns, write: CustomerCSV.write, from: Int64(0)) { after in
                let batch = try await storage.customers(afterID: after, limit: CSVExport.batchSize)
                return (batch, Int64(batch.count) == CSVExport.batchSize ? batch.last?.id : nil)
            }
        }
    }

    @Sendable func dashboard(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        let counts = try await storage.dashboard(caller.access())
        var out = JSONWriter(capacity: 128)
        out.beginObject()
        out.key("total_carts"); out.int(counts.carts)
        out.key("total_customers"); out.int(counts.customers)
        out.key("total_products"); out.int(counts.products)
        out.endObject()
        return .json(out)
    }

    @Sendable func list(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        var query = QueryReader(request)
        let page = query.page(sizeParameter: "per_page", defaultSize: 20)
        let filter = CustomerFilter(
            includeDeleted: query.bool("include_deleted") ?? false,
            search: query.search(),
            isActive: query.bool("is_active")
        )
        // The hottest answer of the portal: the engine writes each row from its own bytes
        // as it reads it (no User values), after the members that precede the rows.
        var out = JSONWriter(capacity: 512 + Int(page.size) * 480)
        out.beginObject()
        out.key("customers")
        out.beginArray()
        let rows = try await storage.customersPage(filter, page: page, caller.access(checked: query.outcome), appendingTo: out)
        out = rows.out
        out.endArray()
        out.key("pagination")
        out.beginObject()
        out.key("has_next"); out.bool(page.page < rows.pageCount)
        out.key("has_prev"); out.bool(page.page > 1)
        out.key("page"); out.int(page.page)
        out.key("pages"); out.int(rows.pageCount)
        out.key("per_page"); out.int(page.size)
        out.key("total"); out.int(rows.total)
        out.endObject()
        out.endObject()
        return .json(out)
    }

    @Sendable func detail(_ request: Request, context: DukaRequestContext, caller: Caller) async throws -> Response {
        // A bad id is answered after 401 and 403 (its check travels with the access; the
        // engine never reads with the placeholder).
        let id = PathID.checkedInteger(context)
        let access = caller.access(checked: id.map { _ in () })
        guard let (customer, carts) = try await storage.customerWithCarts(id: (try? id.get()) ?? 0, access) else {
            throw APIError.customerNotFound
        }
        var out = JSONWriter(capacity: 1024 + carts.count * 1024)
        out.beginObject()
        out.key("customer")
        UserAnswers.writeCustomer(customer, carts: carts, to: &out)
        out.endObject()
        return .json(out)
    }

    func change(_ change: CustomerChange, _ message: String, _ request: Request, _ context: DukaRequestContext, _ caller: Caller) async throws -> Response {
        let actor = try await caller.user()
        let id = try PathID.integer(context)
        let customer = try await storage.changeCustomer(change, id: id, by: actor)
        var out = JSONWriter(capacity: 1024)
        out.beginObject()
        out.key("customer"); UserAnswers.writeCustomer(customer, to: &out)
        out.key("message"); out.string(message)
        out.endObject()
        return .json(out)
    }
}
