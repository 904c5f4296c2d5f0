/// The demo's day at the till (`seed/selling.json`), played through the storage API once
/// the demo shop is loaded: the shop's details, a second branch, a closed shift with paid
/// sales in every tender, a refund and cash movements, and an open shift in the other
/// branch. Going through `Storage` rather than inserting rows means the demo's receipts,
/// shifts and reports are made by the same code as a real shop's, on either engine.
public enum DemoSelling {
    public static func play(seed: [String: String], on storage: any Storage) async throws {
        guard let source = seed["selling.json"] else { return }
        let day = try JSON.parse(source)
        let admin = try await user(named: "admin", storage)

        var shop = ShopChanges()
        shop.name = day["shop"]?["name"]?.stringValue
        shop.kraPIN = day["shop"]?["kra_pin"]?.stringValue
        shop.address = day["shop"]?["address"]?.stringValue
        shop.phone = day["shop"]?["phone"]?.stringValue
        shop.receiptFooter = day["shop"]?["receipt_footer"]?.stringValue
        _ = try await storage.updateShop(shop, by: admin)

        var branches: [String: Int64] = [:]
        for branch in try await storage.branchesPage(page: PageRequest(page: 1, size: 100)).items { branches[branch.code] = branch.id }
        for entry in day["branches"]?.arrayValue ?? [] {
            let created = try await storage.createBranch(
                BranchFields(code: try DemoShop.text(entry, "code"), name: try DemoShop.text(entry, "name")), by: admin
            )
            branches[created.code] = created.id
        }

        // Stock before the day: goods received at the first branch, some sent to the second,
        // a write-off. Products are found by their first barcode (every counted demo product has one).
        if let stock = day["stock"], let main = branches["MAIN"] {
            let codes = try Dictionary(uniqueKeysWithValues: DemoShop.array("products.json", seed).map {
                (try DemoShop.text($0, "sku"), $0["barcodes"]?.arrayValue?.first?.stringValue ?? "")
            })
            func productID(_ entry: JSON) async throws -> Int64 {
                let sku = try DemoShop.text(entry, "sku")
                guard let code = codes[sku], let product = try await storage.product(barcode: code) else {
                    throw DemoShop.Error(description: "seed: no barcode for \(sku)")
                }
                return product.id
            }
            func quantity(_ entry: JSON, _ key: String) throws -> Int64 {
                guard let text = entry[key]?.stringValue, let value = StockRules.delta(text) else { throw DemoShop.Error(description: "seed: bad \(key)") }
                return value
            }
            var received: [StockChange.Line] = []
            for line in stock["receive"]?.arrayValue ?? [] {
                received.append(.init(productID: try await productID(line), quantityMilli: try quantity(line, "quantity"), unitCostCents: try cents(line, "unit_cost")))
            }
            _ = try await storage.changeStock(.receive(branchID: main, lines: received, reference: stock["reference"]?.stringValue), by: admin)
            if let west = branches.first(where: { $0.key != "MAIN" })?.value {
                var sent: [StockChange.Line] = []
                for line in stock["transfer"]?.arrayValue ?? [] {
                    sent.append(.init(productID: try await productID(line), quantityMilli: try quantity(line, "quantity")))
                }
                if !sent.isEmpty { _ = try await storage.changeStock(.transfer(fromBranchID: main, toBranchID: west, lines: sent), by: admin) }
            }
            for adjust in stock["adjust"]?.arrayValue ?? [] {
                guard let reason = StockChange.AdjustReason(rawValue: try DemoShop.text(adjust, "reason")) else {
                    throw DemoShop.Error(description: "seed: bad adjust reason")
                }
                _ = try await storage.changeStock(
                    .adjust(branchID: main, productID: try await productID(adjust), target: .delta(try quantity(adjust, "delta")), reason: reason), by: admin
                )
            }
        }

        for entry in day["shifts"]?.arrayValue ?? [] {
            let actor = try await user(named: try DemoShop.text(entry, "user"), storage)
            guard let branchID = branches[try DemoShop.text(entry, "branch")] else { throw DemoShop.Error(description: "seed: unknown branch") }
            let shift = try await storage.openShift(branchID: branchID, openingFloatCents: try cents(entry, "opening_float"), by: actor)
            for sale in entry["sales"]?.arrayValue ?? [] {
                let cart = try await activeCart(of: try DemoShop.text(sale, "customer"), storage)
                _ = try await storage.checkout(cartID: cart.id, tenders: try tenders(sale), by: CartActor(actor))
            }
            for refund in entry["refunds"]?.arrayValue ?? [] {
                let cart = try await latestSale(of: try DemoShop.text(refund, "customer"), storage)
                let index = Int(refund["line"]?.intValue ?? 0)
                guard cart.items.indices.contains(index),
                      let quantity = FixedPoint.parse(try DemoShop.text(refund, "quantity"), places: 3) else {
                    throw DemoShop.Error(description: "seed: bad refund line")
                }
                let approver = try await user(named: try DemoShop.text(refund, "approved_by"), storage)
                let request = RefundRequest(
                    cartID: cart.id, lines: [.init(itemID: cart.items[index].id, quantityMilli: quantity)],
                    reason: try DemoShop.text(refund, "reason"), payments: try tenders(refund)
                )
                _ = try await storage.createRefund(request, by: actor, approvedBy: approver)
            }
            for movement in entry["cash"]?.arrayValue ?? [] {
                guard let kind = ShiftCash.Kind(rawValue: try DemoShop.text(movement, "type")) else {
                    throw DemoShop.Error(description: "seed: bad cash movement")
                }
                _ = try await storage.addShiftCash(
                    shiftID: shift.id, kind: kind, amountCents: try cents(movement, "amount"), reason: try DemoShop.text(movement, "reason"),
                    by: actor, anyShift: false
                )
            }
            // A shift with a counted difference is closed: counted = expected + difference.
            if let difference = entry["counted_difference"]?.stringValue {
                guard let report = try await storage.shiftReport(id: shift.id), let cents = signedCents(difference) else {
                    throw DemoShop.Error(description: "seed: bad counted_difference")
                }
                _ = try await storage.closeShift(id: shift.id, countedCashCents: report.expectedCashCents + cents, by: actor, anyShift: false)
            }
        }
    }

    static func user(named username: String, _ storage: any Storage) async throws -> User {
        guard let user = try await storage.user(login: username) else { throw DemoShop.Error(description: "seed: unknown user \(username)") }
        return user
    }

    static func activeCart(of customer: String, _ storage: any Storage) async throws -> Cart {
        let filter = CartListFilter(customer: .id(try await user(named: customer, storage).id), status: .active)
        guard let cart = try await storage.cartsPage(filter, owner: nil, page: PageRequest(page: 1, size: 1)).items.first else {
            throw DemoShop.Error(description: "seed: \(customer) has no active cart")
        }
        return cart
    }

    static func latestSale(of customer: String, _ storage: any Storage) async throws -> Cart {
        let filter = CartListFilter(customer: .id(try await user(named: customer, storage).id), status: .checkedOut)
        let carts = try await storage.cartsPage(filter, owner: nil, page: PageRequest(page: 1, size: 100)).items
        guard let cart = carts.max(by: { $0.updatedAt == $1.updatedAt ? $0.id < $1.id : $0.updatedAt < $1.updatedAt }) else {
            throw DemoShop.Error(description: "seed: \(customer) has no sale")
        }
        return cart
    }

    static func tenders(_ entry: JSON) throws -> [Tender] {
        try (entry["payments"]?.arrayValue ?? []).map { payment in
            guard let method = Payment.Method(rawValue: try DemoShop.text(payment, "method")) else {
                throw DemoShop.Error(description: "seed: bad payment method")
            }
            return Tender(method: method, amountCents: try cents(payment, "amount"), reference: payment["reference"]?.stringValue)
        }
    }

    static func cents(_ entry: JSON, _ key: String) throws -> Int64 {
        guard let value = FixedPoint.parse(try DemoShop.text(entry, key), places: 2) else { throw DemoShop.Error(description: "seed: bad \(key)") }
        return value
    }

    static func signedCents(_ text: String) -> Int64? {
        text.hasPrefix("-") ? FixedPoint.parse(String(text.dropFirst()), places: 2).map { -$0 } : FixedPoint.parse(text, places: 2)
    }
}
