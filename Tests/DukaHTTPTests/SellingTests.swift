import DukaCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import DukaHTTP

/// Selling (API.md section 7) through the real HTTP stack, on each engine: shop and
/// branches, VAT, shifts, tenders and receipt numbers.
@Suite struct SellingTests {
    /// Staff of every role, a customer, and products at VAT-friendly prices.
    struct Till {
        let duka: TestDuka
        let customer: User
        let bread: Int64  // 100.00, class B
        let sugar: Int64  // 116.00, class B
    }

    static func till(_ engine: TestEngine) async throws -> Till {
        let duka = try await UsersAPITests.staff(engine)
        let customer = try await duka.makeUser("wanjiku", role: .customer, profile: .init(fullName: "Wanjiku Kamau"))
        let bread = try await duka.makeProduct("BREAD", priceCents: 10000)
        let sugar = try await duka.makeProduct("SUGAR", priceCents: 11600, unit: "kg")
        return Till(duka: duka, customer: customer, bread: bread, sugar: sugar)
    }

    static func money(_ text: String) -> JSON { .string(text) }

    static func tender(_ method: String, _ amount: String, _ reference: String? = nil) -> JSON {
        var members: [String: JSON] = ["method": .string(method), "amount": .string(amount)]
        if let reference { members["reference"] = .string(reference) }
        return .object(members)
    }

    static func payments(_ tenders: JSON...) -> JSON { .object(["payments": .array(tenders)]) }

    /// Opens a cart for the till's customer with the given (product, quantity) lines; answers its id.
    static func sale(_ api: TestAPI, _ till: Till, token: String, _ lines: [(Int64, String)]) async throws -> Int64 {
        let opened = try await api.request(.post, "/api/v1/carts", json: .object(["customer_id": .int(till.customer.id)]), token: token)
        #expect(opened.status == .created, "\(opened.body)")
        let cartID = try #require(opened.data?["id"]?.intValue)
        for (product, quantity) in lines {
            let added = try await api.request(
                .post, "/api/v1/carts/\(cartID)/items", json: .object(["product_id": .int(product), "quantity": .string(quantity)]), token: token)
            #expect(added.status == .created, "\(added.body)")
        }
        return cartID
    }

    static func openShift(_ api: TestAPI, token: String, branch: Int64 = 1, float: String = "1000.00") async throws -> Int64 {
        let opened = try await api.request(
            .post, "/api/v1/shifts", json: .object(["branch_id": .int(branch), "opening_float": .string(float)]), token: token)
        #expect(opened.status == .created, "\(opened.body)")
        return try #require(opened.data?["id"]?.intValue)
    }

    // MARK: - Shop and branches

    @Test(arguments: TestEngine.available) func shopAndBranches(_ engine: TestEngine) async throws {
        let till = try await Self.till(engine)
        try await till.duka.run { (api: TestAPI) async throws in
            let admin = try await api.token("the.admin")
            let manager = try await api.token("the.manager")
            let customer = try await api.token("wanjiku")

            let shop = try await api.request(.get, "/api/v1/shop", token: manager)
            #expect(shop.status == .ok)
            #expect(APIResponse.keys(shop.data) == ["name", "kra_pin", "address", "phone", "receipt_footer", "scale_barcode_value", "updated_at"])
            #expect(shop.data?["name"] == .string("Duka"))
            #expect(shop.data?["scale_barcode_value"] == .string("weight"))
            #expect(try await api.request(.get, "/api/v1/shop", token: customer).status == .forbidden)
            #expect(try await api.request(.put, "/api/v1/shop", json: .object(["name": .string("X")]), token: manager).status == .forbidden)

            let updated = try await api.request(.put, "/api/v1/shop", json: .object([
                "name": .string("Mama Mboga Stores"), "kra_pin": .string("p051234567x"), "address": .string("Moi Avenue, Nairobi"),
                "receipt_footer": .string("Asante! Karibu tena."),
            ]), token: admin)
            #expect(updated.status == .ok, "\(updated.body)")
            #expect(updated.data?["kra_pin"] == .string("P051234567X"))
            #expect(updated.data?["name"] == .string("Mama Mboga Stores"))
            #expect(updated.data?["phone"] == .string(""))
            for (field, value) in [("kra_pin", JSON.string("B051234567X")), ("kra_pin", .string("P05123456X")), ("name", .string("")),
                                   ("receipt_footer", .string(String(repeating: "a", count: 501))), ("scale_barcode_value", .string("volume"))] {
                let bad = try await api.request(.put, "/api/v1/shop", json: .object([field: value]), token: admin)
                #expect(bad.status == .badRequest, "\(field)")
                #expect(bad.code == "validation_failed" && bad.json["errors"]?[field] != nil, "\(field): \(bad.body)")
            }
            let cleared = try await api.request(.put, "/api/v1/shop", json: .object(["kra_pin": .null]), token: admin)
            #expect(cleared.data?["kra_pin"] == .string(""))
            #expect(cleared.data?["name"] == .string("Mama Mboga Stores"))

            let branches = try await api.request(.get, "/api/v1/branches", token: manager)
            #expect(branches.json["message"] == .string("Branches retrieved successfully"))
            let main = try #require(branches.data?["branches"]?.arrayValue?.first)
            #expect(APIResponse.keys(main) == ["id", "code", "name", "is_active", "created_at", "updated_at"])
            #expect(main["id"] == .int(1) && main["code"] == .string("MAIN") && main["name"] == .string("Main shop"))
            #expect(branches.data?["pagination"]?["total_data"] == .int(1))

            #expect(try await api.request(.post, "/api/v1/branches", json: .object(["code": .string("WEST"), "name": .string("W")]), token: manager)
                .status == .forbidden)
            let west = try await api.request(.post, "/api/v1/branches", json: .object(["code": .string("west2"), "name": .string("Westlands")]), token: admin)
            #expect(west.status == .created, "\(west.body)")
            #expect(west.json["message"] == .string("Branch created successfully"))
            #expect(west.data?["code"] == .string("WEST2") && west.data?["is_active"] == .bool(true))
            let westID = try #require(west.data?["id"]?.intValue)
            let duplicate = try await api.request(.post, "/api/v1/branches", json: .object(["code": .string("West2"), "name": .string("Again")]), token: admin)
            #expect(duplicate.status == .conflict && duplicate.code == "duplicate")
            for code in ["W", "TOOLONGCODE", "WE-ST"] {
                let bad = try await api.request(.post, "/api/v1/branches", json: .object(["code": .string(code), "name": .string("N")]), token: admin)
                #expect(bad.status == .badRequest && bad.json["errors"]?["code"] != nil, "\(code)")
            }
            let missing = try await api.request(.post, "/api/v1/branches", json: .object(["code": .string("EAST")]), token: admin)
            #expect(missing.status == .badRequest && missing.json["errors"]?["name"] != nil)

            let renamed = try await api.request(.put, "/api/v1/branches/\(westID)", json: .object(["name": .string("Westlands Mall")]), token: admin)
            #expect(renamed.status == .ok && renamed.data?["name"] == .string("Westlands Mall") && renamed.data?["code"] == .string("WEST2"))
            let closedWest = try await api.request(.put, "/api/v1/branches/\(westID)", json: .object(["is_active": .bool(false)]), token: admin)
            #expect(closedWest.data?["is_active"] == .bool(false))
            let lastOne = try await api.request(.put, "/api/v1/branches/1", json: .object(["is_active": .bool(false)]), token: admin)
            #expect(lastOne.status == .conflict && lastOne.code == "last_branch", "\(lastOne.body)")
            #expect(try await api.request(.get, "/api/v1/branches/1", token: manager).data?["is_active"] == .bool(true))
            #expect(try await api.request(.get, "/api/v1/branches/999", token: manager).status == .notFound)

            // An inactive branch takes no shift.
            let cashier = try await api.token("the.cashier")
            let shift = try await api.request(.post, "/api/v1/shifts", json: .object(["branch_id": .int(westID), "opening_float": .string("0")]), token: cashier)
            #expect(shift.status == .badRequest && shift.json["errors"]?["branch_id"] != nil, "\(shift.body)")

            let audit = try await till.duka.auditRows().map { "\($0.action) \($0.targetType) \($0.targetID)" }
            #expect(audit == ["shop.update shop 1", "shop.update shop 1", "branch.create branch \(westID)",
                              "branch.update branch \(westID)", "branch.update branch \(westID)"])
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }

    // MARK: - VAT

    @Test(arguments: TestEngine.available) func vatByLineAndClass(_ engine: TestEngine) async throws {
        let till = try await Self.till(engine)
        try await till.duka.run { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            let created = try await api.request(.post, "/api/v1/products", json: .object([
                "sku": .string("UJI"), "name": .string("Uji flour"), "unit_price": .string("108.00"), "tax_class": .string("E"),
            ]), token: manager)
            #expect(created.status == .created && created.data?["tax_class"] == .string("E"))
            let uji = try #require(created.data?["id"]?.intValue)
            let exempt = try await api.request(.post, "/api/v1/products", json: .object([
                "sku": .string("MAIZE"), "name": .string("Maize"), "unit_price": .string("50.00"), "tax_class": .string("A"),
            ]), token: manager)
            let maize = try #require(exempt.data?["id"]?.intValue)
            let bad = try await api.request(.post, "/api/v1/products", json: .object([
                "sku": .string("X1"), "name": .string("X"), "unit_price": .string("1.00"), "tax_class": .string("F"),
            ]), token: manager)
            #expect(bad.status == .badRequest && bad.json["errors"]?["tax_class"] != nil)
            #expect(try await api.request(.get, "/api/v1/products/\(till.bread)", token: manager).data?["tax_class"] == .string("B"))

            let cartID = try await Self.sale(api, till, token: manager, [(till.bread, "1"), (till.sugar, "1"), (uji, "1"), (maize, "2")])
            // The class a line was added with stays, like its price.
            #expect(try await api.request(.put, "/api/v1/products/\(uji)", json: .object(["tax_class": .string("A")]), token: manager).status == .ok)
            let cart = try await api.request(.get, "/api/v1/carts/\(cartID)", token: manager)
            let items = cart.data?["items"]?.arrayValue ?? []
            #expect(items.map { $0["vat"] } == [.string("13.79"), .string("16.00"), .string("8.00"), .string("0.00")])
            #expect(items.map { $0["tax_class"] } == [.string("B"), .string("B"), .string("E"), .string("A")])
            #expect(cart.data?["total"] == .string("424.00"))
            #expect(cart.data?["vat_total"] == .string("37.79"))
            let vat = cart.data?["vat"]?.arrayValue ?? []
            #expect(vat.map { $0["tax_class"] } == [.string("A"), .string("B"), .string("E")])
            #expect(vat.first == .object(["tax_class": .string("A"), "rate": .string("0.00"), "total": .string("100.00"),
                                          "vat": .string("0.00"), "net": .string("100.00")]))
            #expect(vat[1] == .object(["tax_class": .string("B"), "rate": .string("16.00"), "total": .string("216.00"),
                                       "vat": .string("29.79"), "net": .string("186.21")]))
            #expect(vat.last?["rate"] == .string("8.00"))
            // The portal's cart shape does not change.
            let portal = try await api.request(.get, "/employee/customers/\(till.customer.id)", token: try await api.token("the.admin"))
            let portalCart = try #require(portal.json["customer"]?["carts"]?.arrayValue?.first)
            #expect(APIResponse.keys(portalCart) == EmployeePortalTests.cartKeys)
            #expect(portalCart["items"]?.arrayValue?.allSatisfy { APIResponse.keys($0) == EmployeePortalTests.itemKeys } == true)
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }

    // MARK: - Shifts, tenders, receipt numbers

    @Test(arguments: TestEngine.available) func aShiftFromFloatToZReport(_ engine: TestEngine) async throws {
        let till = try await Self.till(engine)
        try await till.duka.run { (api: TestAPI) async throws in
            let cashier = try await api.token("the.cashier")
            let employee = try await api.token("the.employee")
            let manager = try await api.token("the.manager")
            let customer = try await api.token("wanjiku")

            #expect(try await api.request(.get, "/api/v1/shifts/current", token: cashier).status == .notFound)
            #expect(try await api.request(.post, "/api/v1/shifts", json: .object(["branch_id": .int(1), "opening_float": .string("1")]), token: customer)
                .status == .forbidden)
            let badFloat = try await api.request(.post, "/api/v1/shifts", json: .object(["branch_id": .int(1), "opening_float": .string("-1")]), token: cashier)
            #expect(badFloat.status == .badRequest && badFloat.json["errors"]?["opening_float"] != nil)
            let shiftID = try await Self.openShift(api, token: cashier, float: "1000.00")
            let again = try await api.request(.post, "/api/v1/shifts", json: .object(["branch_id": .int(1), "opening_float": .string("0")]), token: cashier)
            #expect(again.status == .conflict && again.code == "shift_already_open")
            let current = try await api.request(.get, "/api/v1/shifts/current", token: cashier)
            #expect(current.data?["id"] == .int(shiftID))
            #expect(APIResponse.keys(current.data) == ["id", "branch_id", "user_id", "username", "status", "opening_float", "opened_at",
                                                        "closed_at", "counted_cash", "expected_cash", "difference"])
            #expect(current.data?["username"] == .string("the.cashier") && current.data?["status"] == .string("open"))
            #expect(current.data?["counted_cash"] == .null && current.data?["closed_at"] == .null)
            // Another non-supervisor does not see it; a manager does.
            #expect(try await api.request(.get, "/api/v1/shifts/\(shiftID)", token: employee).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/shifts/\(shiftID)", token: manager).status == .ok)
            #expect(try await api.request(.get, "/api/v1/shifts", token: employee).data?["shifts"]?.arrayValue?.isEmpty == true)

            // Sale 1: 216.00 with cash 300.00 → change 84.00.
            let first = try await Self.sale(api, till, token: cashier, [(till.bread, "1"), (till.sugar, "1")])
            let short = try await api.request(.post, "/api/v1/carts/\(first)/checkout", json: Self.payments(Self.tender("cash", "200.00")), token: cashier)
            #expect(short.status == .badRequest && short.code == "insufficient_payment", "\(short.body)")
            let tooMuchCard = try await api.request(.post, "/api/v1/carts/\(first)/checkout",
                                                    json: Self.payments(Self.tender("card", "300.00", "A1B2")), token: cashier)
            #expect(tooMuchCard.status == .badRequest && tooMuchCard.json["errors"]?["payments"] != nil)
            for (tender, field) in [(Self.tender("mpesa", "216.00", "SHORT"), "payments.0.reference"),
                                    (Self.tender("mpesa", "216.00"), "payments.0.reference"),
                                    (Self.tender("card", "216.00"), "payments.0.reference"),
                                    (Self.tender("cash", "216.00", "X"), "payments.0.reference"),
                                    (Self.tender("cash", "0"), "payments.0.amount"), (Self.tender("cash", "1.234"), "payments.0.amount"),
                                    (Self.tender("cheque", "216.00"), "payments.0.method")] {
                let bad = try await api.request(.post, "/api/v1/carts/\(first)/checkout", json: Self.payments(tender), token: cashier)
                #expect(bad.status == .badRequest && bad.json["errors"]?[field] != nil, "\(tender): \(bad.body)")
            }
            #expect(try await api.request(.get, "/api/v1/carts/\(first)", token: cashier).data?["status"] == .string("active"))
            let paid = try await api.request(.post, "/api/v1/carts/\(first)/checkout", json: Self.payments(Self.tender("cash", "300")), token: cashier)
            #expect(paid.status == .ok, "\(paid.body)")
            #expect(paid.data?["payment_status"] == .string("paid") && paid.data?["change"] == .string("84.00"))
            #expect(paid.data?["receipt_number"] == .string("MAIN-000001") && paid.data?["shift_id"] == .int(shiftID))
            #expect(paid.data?["payments"]?.arrayValue?.first?["amount"] == .string("300.00"))
            #expect(paid.data?["payments"]?.arrayValue?.first?["reference"] == .null)

            // Sale 2: 300.00 split M-Pesa 100 + card 50 + cash 200 → change 50.00 out of the cash.
            let second = try await Self.sale(api, till, token: cashier, [(till.bread, "3")])
            let twice = try await api.request(.post, "/api/v1/carts/\(second)/checkout", json: Self.payments(
                Self.tender("mpesa", "100", "qw12er34ty"), Self.tender("mpesa", "200", "QW12ER34TY")), token: cashier)
            #expect(twice.status == .conflict && twice.code == "duplicate" && twice.json["errors"]?["payments.1.reference"] != nil, "\(twice.body)")
            let split = try await api.request(.post, "/api/v1/carts/\(second)/checkout", json: Self.payments(
                Self.tender("mpesa", "100", "qw12er34ty"), Self.tender("card", "50", "VISA-0042"), Self.tender("cash", "200")), token: cashier)
            #expect(split.status == .ok, "\(split.body)")
            #expect(split.data?["change"] == .string("50.00") && split.data?["receipt_number"] == .string("MAIN-000002"))
            #expect(split.data?["payments"]?.arrayValue?.map { $0["method"] } == [.string("mpesa"), .string("card"), .string("cash")])
            #expect(split.data?["payments"]?.arrayValue?.first?["reference"] == .string("QW12ER34TY"))

            // The same M-Pesa code on another sale: 409, nothing changes.
            let third = try await Self.sale(api, till, token: cashier, [(till.bread, "1")])
            let reused = try await api.request(.post, "/api/v1/carts/\(third)/checkout", json: Self.payments(Self.tender("mpesa", "100", "QW12ER34TY")), token: cashier)
            #expect(reused.status == .conflict && reused.code == "duplicate" && reused.json["errors"]?["payments.0.reference"] != nil, "\(reused.body)")
            #expect(try await api.request(.get, "/api/v1/carts/\(third)", token: cashier).data?["receipt_number"] == .null)
            // Without payments the sale is numbered but unpaid, and in no shift.
            let unpaid = try await api.request(.post, "/api/v1/carts/\(third)/checkout", token: cashier)
            #expect(unpaid.data?["receipt_number"] == .string("MAIN-000003") && unpaid.data?["payment_status"] == .string("unpaid"))
            #expect(unpaid.data?["shift_id"] == .null)

            // A customer may not pay through the API; a manager without a shift may not take tenders.
            let online = try await api.request(.post, "/api/v1/carts", token: customer)
            let onlineID = try #require(online.data?["id"]?.intValue)
            try await api.request(.post, "/api/v1/carts/\(onlineID)/items", json: .object(["product_id": .int(till.bread), "quantity": .string("1")]), token: customer)
            let customerPays = try await api.request(.post, "/api/v1/carts/\(onlineID)/checkout", json: Self.payments(Self.tender("cash", "100")), token: customer)
            #expect(customerPays.status == .badRequest && customerPays.json["errors"]?["payments"] != nil)
            let noShift = try await api.request(.post, "/api/v1/carts/\(onlineID)/checkout", json: Self.payments(Self.tender("cash", "100")), token: manager)
            #expect(noShift.status == .conflict && noShift.code == "no_open_shift")

            // Pay-ins and pay-outs.
            let payIn = try await api.request(.post, "/api/v1/shifts/\(shiftID)/cash", json: .object([
                "type": .string("pay_in"), "amount": .string("500"), "reason": .string("Change from the bank")]), token: cashier)
            #expect(payIn.status == .created, "\(payIn.body)")
            #expect(APIResponse.keys(payIn.data) == ["id", "shift_id", "type", "amount", "reason", "created_at"])
            #expect(try await api.request(.post, "/api/v1/shifts/\(shiftID)/cash", json: .object([
                "type": .string("pay_out"), "amount": .string("120.50"), "reason": .string("Boda boda delivery")]), token: cashier).status == .created)
            let noReason = try await api.request(.post, "/api/v1/shifts/\(shiftID)/cash", json: .object([
                "type": .string("withdraw"), "amount": .string("1")]), token: cashier)
            #expect(noReason.status == .badRequest && noReason.json["errors"]?["type"] != nil && noReason.json["errors"]?["reason"] != nil)
            #expect(try await api.request(.post, "/api/v1/shifts/\(shiftID)/cash", json: .object([
                "type": .string("pay_in"), "amount": .string("1"), "reason": .string("r")]), token: employee).status == .notFound)

            // X report: float 1000 + cash kept (216 + 150) + 500 − 120.50.
            let x = try await api.request(.get, "/api/v1/shifts/\(shiftID)/report", token: cashier)
            #expect(x.status == .ok, "\(x.body)")
            #expect(x.data?["sales_count"] == .int(2) && x.data?["sales_total"] == .string("516.00"))
            #expect(x.data?["by_method"] == .object(["cash": .string("366.00"), "mpesa": .string("100.00"), "card": .string("50.00")]))
            #expect(x.data?["pay_ins"] == .string("500.00") && x.data?["pay_outs"] == .string("120.50"))
            #expect(x.data?["expected_cash"] == .string("1745.50"))
            #expect(x.data?["counted_cash"] == .null && x.data?["difference"] == .null)
            #expect(x.data?["vat"]?.arrayValue?.first?["total"] == .string("516.00"))

            let badCount = try await api.request(.post, "/api/v1/shifts/\(shiftID)/close", json: .object(["counted_cash": .string("abc")]), token: cashier)
            #expect(badCount.status == .badRequest && badCount.json["errors"]?["counted_cash"] != nil)
            #expect(try await api.request(.post, "/api/v1/shifts/\(shiftID)/close", json: .object(["counted_cash": .string("1")]), token: employee)
                .status == .notFound)
            let z = try await api.request(.post, "/api/v1/shifts/\(shiftID)/close", json: .object(["counted_cash": .string("1740")]), token: cashier)
            #expect(z.status == .ok, "\(z.body)")
            #expect(z.json["message"] == .string("Shift closed successfully"))
            #expect(z.data?["difference"] == .string("-5.50") && z.data?["counted_cash"] == .string("1740.00"))
            #expect(z.data?["shift"]?["status"] == .string("closed") && z.data?["shift"]?["expected_cash"] == .string("1745.50"))
            #expect(z.data?["shift"]?["difference"] == .string("-5.50"))
            // Closed is final.
            let reclose = try await api.request(.post, "/api/v1/shifts/\(shiftID)/close", json: .object(["counted_cash": .string("1745.50")]), token: manager)
            #expect(reclose.status == .badRequest && reclose.code == "shift_closed")
            let lateCash = try await api.request(.post, "/api/v1/shifts/\(shiftID)/cash", json: .object([
                "type": .string("pay_in"), "amount": .string("1"), "reason": .string("late")]), token: manager)
            #expect(lateCash.status == .badRequest && lateCash.code == "shift_closed")
            #expect(try await api.request(.get, "/api/v1/shifts/current", token: cashier).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/shifts/\(shiftID)/report", token: manager).data?["difference"] == .string("-5.50"))
            let closedList = try await api.request(.get, "/api/v1/shifts?status=closed&branch_id=1", token: manager)
            #expect(closedList.data?["shifts"]?.arrayValue?.map { $0["id"] } == [.int(shiftID)])
            #expect(try await api.request(.get, "/api/v1/shifts?status=half", token: manager).status == .badRequest)

            let actions = try await till.duka.auditRows().map(\.action).filter { $0.hasPrefix("shift.") }
            #expect(actions == ["shift.open", "shift.cash", "shift.cash", "shift.close"])
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }

    /// Checkouts racing in one branch take every number once, with no gap.
    @Test(arguments: TestEngine.available) func receiptNumbersAreGaplessUnderConcurrency(_ engine: TestEngine) async throws {
        let till = try await Self.till(engine)
        let sales = 16
        try await till.duka.run(.live) { (api: TestAPI) async throws in
            let manager = try await api.token("the.manager")
            var carts: [Int64] = []
            for index in 0..<sales {
                let customer = try await till.duka.makeUser("buyer\(index)", role: .customer)
                let opened = try await api.request(.post, "/api/v1/carts", json: .object(["customer_id": .int(customer.id)]), token: manager)
                let cartID = try #require(opened.data?["id"]?.intValue)
                try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: .object(["product_id": .int(till.bread), "quantity": .string("1")]), token: manager)
                carts.append(cartID)
            }
            let numbers = try await withThrowingTaskGroup(of: String?.self) { group in
                for cartID in carts {
                    group.addTask { try await api.request(.post, "/api/v1/carts/\(cartID)/checkout", token: manager).data?["receipt_number"]?.stringValue }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(numbers.compactMap { $0 }.sorted() == (1...sales).map { String(format: "MAIN-%06d", $0) })
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }
}
