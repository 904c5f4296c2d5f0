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
            // A checkout's answer is the sale as it is read afterwards.
            for (id, answer) in [(first, paid), (second, split)] {
                #expect(try await api.request(.get, "/api/v1/carts/\(id)", token: cashier).data == answer.data)
            }
            // The returns desk finds a sale by the number printed on its receipt, in any case.
            let byNumber = try await api.request(.get, "/api/v1/carts?receipt_number=main-000002", token: cashier)
            #expect(byNumber.data?["carts"]?.arrayValue?.map { $0["id"] } == [.int(second)])
            #expect(try await api.request(.get, "/api/v1/carts?receipt_number=MAIN-999999", token: cashier).data?["carts"] == .array([]))

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
            // Past six digits the number grows (PostgreSQL writes it in SQL, SQLite in Swift),
            // and the stored sale holds what the answer said.
            try await till.duka.execute("UPDATE branches SET last_receipt = 999998 WHERE id = 1")
            let expected = ["MAIN-999999", "MAIN-1000000"]
            for index in 0..<2 {
                let customer = try await till.duka.makeUser("late\(index)", role: .customer)
                let opened = try await api.request(.post, "/api/v1/carts", json: .object(["customer_id": .int(customer.id)]), token: manager)
                let cartID = try #require(opened.data?["id"]?.intValue)
                try await api.request(.post, "/api/v1/carts/\(cartID)/items", json: .object(["product_id": .int(till.bread), "quantity": .string("1")]), token: manager)
                let sold = try await api.request(.post, "/api/v1/carts/\(cartID)/checkout", token: manager)
                #expect(sold.status == .ok && sold.data?["receipt_number"]?.stringValue == expected[index], "\(sold.body)")
                let again = try await api.request(.get, "/api/v1/carts/\(cartID)", token: manager)
                #expect(again.data?["receipt_number"]?.stringValue == expected[index] && again.data == sold.data)
            }
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }

    // MARK: - Refunds

    static func refund(_ cartID: Int64, lines: [(Int64, String)]? = nil, payments: [JSON] = [], approval: (String, String)? = nil) -> JSON {
        var members: [String: JSON] = ["cart_id": .int(cartID), "reason": .string("Customer returned it"), "payments": .array(payments)]
        if let lines {
            members["lines"] = .array(lines.map { .object(["item_id": .int($0.0), "quantity": .string($0.1)]) })
        }
        if let approval { members["approval"] = .object(["username": .string(approval.0), "password": .string(approval.1)]) }
        return .object(members)
    }

    @Test(arguments: TestEngine.available) func refundsAsCreditNotes(_ engine: TestEngine) async throws {
        let till = try await Self.till(engine)
        let flour = try await till.duka.makeProduct("FLOUR", priceCents: 3333, unit: "kg")
        try await till.duka.run { (api: TestAPI) async throws in
            let cashier = try await api.token("the.cashier")
            let manager = try await api.token("the.manager")
            let admin = try await api.token("the.admin")
            let approval = ("the.manager", "password-1")
            let shiftID = try await Self.openShift(api, token: cashier, float: "1000")

            // A paid sale of 2 × 100.00 and 1.5 kg × 33.33 (50.00).
            let saleID = try await Self.sale(api, till, token: cashier, [(till.bread, "2"), (flour, "1.5")])
            let sold = try await api.request(.post, "/api/v1/carts/\(saleID)/checkout", json: Self.payments(Self.tender("cash", "250")), token: cashier)
            #expect(sold.data?["total"] == .string("250.00"))
            let items = sold.data?["items"]?.arrayValue ?? []
            let breadLine = try #require(items.first?["id"]?.intValue)
            let flourLine = try #require(items.last?["id"]?.intValue)
            let managerUUID = try #require(try await till.duka.user(login: "the.manager")?.uuid)
            let cashierUUID = try #require(try await till.duka.user(login: "the.cashier")?.uuid)

            // A cashier needs a manager's approval: none, a wrong one, or an employee's is 403.
            let half = [(flourLine, "0.5")]
            for body in [Self.refund(saleID, lines: half, payments: [Self.tender("cash", "16.67")]),
                         Self.refund(saleID, lines: half, payments: [Self.tender("cash", "16.67")], approval: ("the.manager", "wrong-password")),
                         Self.refund(saleID, lines: half, payments: [Self.tender("cash", "16.67")], approval: ("the.employee", "password-1")),
                         Self.refund(saleID, lines: half, payments: [Self.tender("cash", "16.67")], approval: ("nobody", "password-1"))] {
                let refused = try await api.request(.post, "/api/v1/refunds", json: body, token: cashier)
                #expect(refused.status == .forbidden && refused.code == "approval_required", "\(refused.body)")
            }
            #expect(try await api.request(.post, "/api/v1/refunds", json: Self.refund(saleID), token: try await api.token("wanjiku")).status == .forbidden)
            // Quantities, payments and the cart are checked.
            let tooMany = try await api.request(.post, "/api/v1/refunds", json: Self.refund(saleID, lines: [(flourLine, "2")], payments: [Self.tender("cash", "66.66")]), token: manager)
            #expect(tooMany.status == .badRequest && tooMany.json["errors"]?["lines.0.quantity"] != nil, "\(tooMany.body)")
            let unknownLine = try await api.request(.post, "/api/v1/refunds", json: Self.refund(saleID, lines: [(999_999, "1")]), token: manager)
            #expect(unknownLine.status == .badRequest && unknownLine.json["errors"]?["lines.0.item_id"] != nil, "\(unknownLine.body)")
            let wrongSum = try await api.request(.post, "/api/v1/refunds", json: Self.refund(saleID, lines: half, payments: [Self.tender("cash", "10")]), token: manager)
            #expect(wrongSum.status == .badRequest && wrongSum.json["errors"]?["payments"] != nil, "\(wrongSum.body)")
            let noReason = try await api.request(.post, "/api/v1/refunds", json: .object(["cart_id": .int(saleID)]), token: manager)
            #expect(noReason.status == .badRequest && noReason.json["errors"]?["reason"] != nil)
            let active = try await Self.sale(api, till, token: cashier, [(till.bread, "1")])
            let notSold = try await api.request(.post, "/api/v1/refunds", json: Self.refund(active), token: manager)
            #expect(notSold.status == .badRequest && notSold.code == "cart_not_checked_out")
            try await api.request(.post, "/api/v1/carts/\(active)/abandon", token: cashier)
            // Cash needs the actor's open shift.
            let noShift = try await api.request(.post, "/api/v1/refunds", json: Self.refund(saleID, lines: half, payments: [Self.tender("cash", "16.67")]), token: manager)
            #expect(noShift.status == .conflict && noShift.code == "no_open_shift")
            #expect(try await api.request(.get, "/api/v1/refunds", token: manager).data?["refunds"]?.arrayValue?.isEmpty == true)

            // 1: half a kilo back in cash, approved: round_half_up(0.5 × 33.33) = 16.67.
            let first = try await api.request(.post, "/api/v1/refunds", json: Self.refund(saleID, lines: half, payments: [Self.tender("cash", "16.67")], approval: approval), token: cashier)
            #expect(first.status == .created, "\(first.body)")
            #expect(first.json["message"] == .string("Refund created successfully"))
            #expect(APIResponse.keys(first.data) == ["id", "credit_note_number", "cart_id", "receipt_number", "branch_id", "shift_id", "lines", "total",
                                                      "vat", "vat_total", "payments", "reason", "created_by", "approved_by", "created_at"])
            #expect(first.data?["credit_note_number"] == .string("MAIN-CN-000001") && first.data?["receipt_number"] == .string("MAIN-000001"))
            #expect(first.data?["approved_by"] == .string(managerUUID) && first.data?["created_by"] == .string(cashierUUID))
            #expect(first.data?["shift_id"] == .int(shiftID) && first.data?["total"] == .string("16.67") && first.data?["vat_total"] == .string("2.30"))
            #expect(first.data?["lines"]?.arrayValue?.first == .object([
                "item_id": .int(flourLine), "product_id": .int(flour), "quantity": .string("0.500"), "unit_price": .string("33.33"),
                "line_total": .string("16.67"), "tax_class": .string("B"), "vat": .string("2.30")]))
            let firstID = try #require(first.data?["id"]?.intValue)
            // 2: another half kilo by M-Pesa from a manager with no shift (no approval needed).
            let second = try await api.request(.post, "/api/v1/refunds", json: Self.refund(saleID, lines: half, payments: [Self.tender("mpesa", "16.67", "ab12cd34ef")]), token: manager)
            #expect(second.status == .created, "\(second.body)")
            #expect(second.data?["credit_note_number"] == .string("MAIN-CN-000002") && second.data?["shift_id"] == .null)
            #expect(second.data?["approved_by"] == .null && second.data?["payments"]?.arrayValue?.first?["reference"] == .string("AB12CD34EF"))
            // 3: everything left, and the last half kilo takes exactly what is left (16.66).
            let reused = try await api.request(.post, "/api/v1/refunds", json: Self.refund(saleID, payments: [Self.tender("mpesa", "216.66", "AB12CD34EF")]), token: admin)
            #expect(reused.status == .conflict && reused.code == "duplicate" && reused.json["errors"]?["payments.0.reference"] != nil, "\(reused.body)")
            let rest = try await api.request(.post, "/api/v1/refunds", json: Self.refund(saleID, payments: [Self.tender("cash", "216.66")], approval: approval), token: cashier)
            #expect(rest.status == .created, "\(rest.body)")
            #expect(rest.data?["credit_note_number"] == .string("MAIN-CN-000003") && rest.data?["total"] == .string("216.66"))
            #expect(rest.data?["lines"]?.arrayValue?.map { $0["line_total"] } == [.string("200.00"), .string("16.66")])
            #expect(rest.data?["lines"]?.arrayValue?.map { $0["item_id"] } == [.int(breadLine), .int(flourLine)])
            let nothingLeft = try await api.request(.post, "/api/v1/refunds", json: Self.refund(saleID), token: manager)
            #expect(nothingLeft.status == .badRequest && nothingLeft.json["errors"]?["lines"] != nil)
            let cart = try await api.request(.get, "/api/v1/carts/\(saleID)", token: manager)
            #expect(cart.data?["refunded_total"] == .string("250.00") && cart.data?["total"] == .string("250.00"))

            // An unpaid sale's refund takes no payments.
            let unpaidID = try await Self.sale(api, till, token: manager, [(till.bread, "2")])
            try await api.request(.post, "/api/v1/carts/\(unpaidID)/checkout", token: manager)
            let unpaidLine = try #require(try await api.request(.get, "/api/v1/carts/\(unpaidID)", token: manager).data?["items"]?.arrayValue?.first?["id"]?.intValue)
            let paidBack = try await api.request(.post, "/api/v1/refunds", json: Self.refund(unpaidID, lines: [(unpaidLine, "1")], payments: [Self.tender("cash", "100")]), token: manager)
            #expect(paidBack.status == .badRequest && paidBack.json["errors"]?["payments"] != nil)
            let unpaidRefund = try await api.request(.post, "/api/v1/refunds", json: Self.refund(unpaidID, lines: [(unpaidLine, "1")]), token: manager)
            #expect(unpaidRefund.status == .created && unpaidRefund.data?["payments"] == .array([]), "\(unpaidRefund.body)")
            #expect(unpaidRefund.data?["credit_note_number"] == .string("MAIN-CN-000004"))

            // Lists, newest first, with filters.
            let all = try await api.request(.get, "/api/v1/refunds", token: cashier)
            #expect(all.data?["refunds"]?.arrayValue?.compactMap { $0["credit_note_number"]?.stringValue }
                == ["MAIN-CN-000004", "MAIN-CN-000003", "MAIN-CN-000002", "MAIN-CN-000001"])
            let ofSale = try await api.request(.get, "/api/v1/refunds?cart_id=\(saleID)&shift_id=\(shiftID)", token: manager)
            #expect(ofSale.data?["refunds"]?.arrayValue?.map { $0["credit_note_number"] } == [.string("MAIN-CN-000003"), .string("MAIN-CN-000001")])
            #expect(try await api.request(.get, "/api/v1/refunds?branch_id=2", token: manager).data?["pagination"]?["total_data"] == .int(0))
            #expect(try await api.request(.get, "/api/v1/refunds?cart_id=x", token: manager).status == .badRequest)
            #expect(try await api.request(.get, "/api/v1/refunds/\(firstID)", token: manager).data?["total"] == .string("16.67"))
            #expect(try await api.request(.get, "/api/v1/refunds/999999", token: manager).status == .notFound)

            // The X report counts the shift's refunds; cash paid back leaves the drawer.
            let x = try await api.request(.get, "/api/v1/shifts/\(shiftID)/report", token: cashier)
            #expect(x.data?["sales_total"] == .string("250.00") && x.data?["refunds_count"] == .int(2))
            #expect(x.data?["refunds_total"] == .string("233.33") && x.data?["refunds_by_method"]?["cash"] == .string("233.33"))
            #expect(x.data?["expected_cash"] == .string("1016.67"))
            // The sales chart is net of refunds: 250 + 200 sold, 250 + 100 refunded.
            let report = try await api.request(.get, "/api/v1/reports/sales?days=1", token: admin)
            #expect(report.data?["days"]?.arrayValue?.last?["total"] == .string("100.00"), "\(report.body)")
            #expect(try await api.request(.get, "/api/v1/reports/sales?days=1&branch_id=1", token: admin).data?["days"]?.arrayValue?.last?["total"]
                == .string("100.00"))

            let refundAudit = try await till.duka.auditRows().filter { $0.action == "refund.create" }
            #expect(refundAudit.map(\.actor) == ["the.cashier", "the.manager", "the.cashier", "the.manager"])
            #expect(refundAudit.first?.targetType == "refund" && refundAudit.first?.targetID == String(firstID))
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }

    // MARK: - Receipts

    @Test(arguments: TestEngine.available) func receiptsAsJSONTextAndHTML(_ engine: TestEngine) async throws {
        let till = try await Self.till(engine)
        try await till.duka.makeUser("other", role: .customer)
        try await till.duka.run { (api: TestAPI) async throws in
            let cashier = try await api.token("the.cashier")
            let admin = try await api.token("the.admin")
            try await api.request(.put, "/api/v1/shop", json: .object(["kra_pin": .string("P051234567X"), "name": .string("Duka la <Mama>")]), token: admin)
            try await api.request(.put, "/api/v1/products/\(till.sugar)", json: .object([
                "name": .string("Sugar, brown, Kabras premium 1 kg pack with a very long name")]), token: admin)
            _ = try await Self.openShift(api, token: cashier)
            let saleID = try await Self.sale(api, till, token: cashier, [(till.bread, "1"), (till.sugar, "2")])
            let early = try await api.request(.get, "/api/v1/carts/\(saleID)/receipt", token: cashier)
            #expect(early.status == .badRequest && early.code == "cart_not_checked_out")
            try await api.request(.post, "/api/v1/carts/\(saleID)/checkout", json: Self.payments(
                Self.tender("mpesa", "300", "QA12WS34ED"), Self.tender("cash", "100")), token: cashier)

            let receipt = try await api.request(.get, "/api/v1/carts/\(saleID)/receipt", token: cashier)
            #expect(receipt.status == .ok, "\(receipt.body)")
            let data = try #require(receipt.data)
            #expect(APIResponse.keys(data) == ["receipt_number", "issued_at", "shop", "branch", "cashier", "customer", "lines", "vat", "vat_total",
                                                "total", "payments", "change", "payment_status", "refunds"])
            #expect(data["receipt_number"] == .string("MAIN-000001") && data["cashier"] == .string("the.cashier"))
            #expect(data["branch"] == .object(["code": .string("MAIN"), "name": .string("Main shop")]))
            #expect(data["customer"] == .object(["id": .int(till.customer.id), "full_name": .string("Wanjiku Kamau")]))
            #expect(data["shop"]?["kra_pin"] == .string("P051234567X"))
            #expect(data["total"] == .string("332.00") && data["change"] == .string("68.00") && data["vat_total"] == .string("45.79"))
            #expect(data["lines"]?.arrayValue?.map { $0["sku"] } == [.string("BREAD"), .string("SUGAR")])
            #expect(data["lines"]?.arrayValue?.last?["unit"] == .string("kg"))
            #expect(data["refunds"] == .array([]))

            for width in [48, 32] {
                let text = try await api.request(.get, "/api/v1/carts/\(saleID)/receipt?format=text&width=\(width)", token: cashier)
                #expect(text.status == .ok)
                #expect(text.headers[.contentType] == "text/plain; charset=utf-8")
                let lines = text.body.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(lines.allSatisfy { $0.count <= width }, "a line is longer than \(width): \(lines.filter { $0.count > width })")
                for needed in ["Duka la <Mama>", "P051234567X", "MAIN-000001", "Kabras", "332.00", "45.79", "M-Pesa", "QA12WS34ED", "68.00"] {
                    #expect(text.body.contains(needed), "\(needed) missing at width \(width):\n\(text.body)")
                }
                // Nairobi time: the receipt shows the local date and time of the sale.
                #expect(text.body.range(of: #"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"#, options: .regularExpression) != nil, "\(text.body)")
            }
            let accepted = try await api.request(.get, "/api/v1/carts/\(saleID)/receipt", token: cashier, headers: [.accept: "text/plain"])
            #expect(accepted.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(try await api.request(.get, "/api/v1/carts/\(saleID)/receipt?format=text&width=40", token: cashier).status == .badRequest)
            #expect(try await api.request(.get, "/api/v1/carts/\(saleID)/receipt?format=pdf", token: cashier).status == .badRequest)

            let html = try await api.request(.get, "/api/v1/carts/\(saleID)/receipt?format=html", token: cashier)
            #expect(html.headers[.contentType] == "text/html; charset=utf-8")
            #expect(html.headers[.contentSecurityPolicy] != nil)
            #expect(html.body.contains("Duka la &lt;Mama&gt;") && !html.body.contains("<Mama>"))
            #expect(html.body.contains("MAIN-000001") && html.body.lowercased().hasPrefix("<!doctype html>"))

            // A customer reads their own receipt; another customer's is 404.
            #expect(try await api.request(.get, "/api/v1/carts/\(saleID)/receipt", token: try await api.token("wanjiku")).status == .ok)
            #expect(try await api.request(.get, "/api/v1/carts/\(saleID)/receipt", token: try await api.token("other")).status == .notFound)

            // A refund shows on the receipt and prints as a credit note.
            let cart = try await api.request(.get, "/api/v1/carts/\(saleID)", token: cashier)
            let breadLine = try #require(cart.data?["items"]?.arrayValue?.first?["id"]?.intValue)
            let refund = try await api.request(.post, "/api/v1/refunds", json: Self.refund(
                saleID, lines: [(breadLine, "1")], payments: [Self.tender("cash", "100")], approval: ("the.admin", "password-1")), token: cashier)
            #expect(refund.status == .created, "\(refund.body)")
            let refundID = try #require(refund.data?["id"]?.intValue)
            let after = try await api.request(.get, "/api/v1/carts/\(saleID)/receipt", token: cashier)
            #expect(after.data?["refunds"]?.arrayValue?.first?["credit_note_number"] == .string("MAIN-CN-000001"))
            let note = try await api.request(.get, "/api/v1/refunds/\(refundID)/receipt", token: cashier)
            #expect(note.data?["credit_note_number"] == .string("MAIN-CN-000001") && note.data?["receipt_number"] == .string("MAIN-000001"))
            #expect(note.data?["total"] == .string("100.00"))
            let noteText = try await api.request(.get, "/api/v1/refunds/\(refundID)/receipt?format=text&width=32", token: cashier)
            #expect(noteText.body.contains("CREDIT NOTE") && noteText.body.contains("MAIN-CN-000001"))
            #expect(noteText.body.split(separator: "\n").allSatisfy { $0.count <= 32 })
            let report = try await api.request(.get, "/api/v1/shifts/\(try #require(cart.data?["shift_id"]?.intValue))/report?format=text", token: cashier)
            #expect(report.body.contains("X REPORT"), "\(report.body)")
        }
        try? FileManager.default.removeItem(at: till.duka.directory)
    }
}
