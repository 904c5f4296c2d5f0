/// The seam between the API and a database engine. DukaHTTP asks for "this read, as this
/// access" or "this change, by this user" and gets domain values or already written rows
/// back; how an engine keeps them (SQL, indexes, search, its threads) stays behind it.
///
/// Rules that need no data (validation, roles, cart ownership) live in `Rules/`; guards
/// that need the current rows (the last admin, one active cart, a cart's total) run in
/// the engine's write transaction, so two requests cannot both pass one. Each change
/// refuses with the `*ChangeError` of its resource; an engine failure is a `StorageError`.
/// A method taking an `Access` checks it (`Access.admit`) in the same transaction.
public protocol Storage: Sendable {
    // MARK: Sessions, settings, health

    /// The user an access names, admitted (one read).
    func user(_ access: Access) async throws -> User
    /// The user whose username or email (case-insensitively) is `login`.
    func user(login: String) async throws -> User?
    /// A re-made hash of the same password; skipped when the hash changed meanwhile.
    func replacePasswordHash(userID: Int64, old: String, new: String) async throws
    /// Ends every session of the user (logout).
    func endSessions(userID: Int64) async throws
    /// The stored signing secret, made on first use.
    func signingSecret() async throws -> String
    /// The stored signing secret, if any (watched for `duka rotate-secret`).
    func storedSigningSecret() async throws -> String?
    /// `duka rotate-secret`: a new stored secret, and every user's session version jumps
    /// by `SigningSecret.versionJump()`; answers how many users' sessions ended.
    @discardableResult
    func rotateSigningSecret() async throws -> Int64
    /// Throws when the engine does not answer.
    func checkReady() async throws
    /// Login or registration attempts (`scope`) counted in the database, for engines that
    /// several instances share; nil where one process holds the database (it counts in
    /// memory, `LoginThrottle`).
    func sharedThrottle(scope: String, limits: LoginThrottle.Limits) -> (any AttemptThrottle)?
    /// Finishes pending work and closes; later calls fail.
    func close() async
    /// Keeps the totals of long searches that many users match (`KeptSearch`).
    var keptSearches: KeptSearchAdopter { get }
    /// Whether a start seeds the kept texts of a big list (`KeptSearchSeeding`): SQLite
    /// adopts them all in one read of the list; PostgreSQL one at a time, each a count
    /// through its trigram indexes (about 0.4 s a dense text at 100,000 customers), which
    /// would hold the server for minutes after a start.
    var seedsKeptSearchesAtStart: Bool { get }
    /// A sample of `list`'s users to seed its kept texts from, or nil when the list keeps
    /// texts already or holds fewer than `from` users (`seedKeptSearches`).
    func keptSearchSample(_ list: ShortSearch.List, size: Int, from: Int64) async throws -> KeptSearchSeeds.Sample?

    // MARK: Operations

    /// "sqlite" or "postgres".
    var engineName: String { get }
    /// The engine's version: the linked SQLite library's, or the PostgreSQL server's.
    func engineVersion() async throws -> String
    /// The connection pool's state, for an engine whose pool grows and shrinks.
    var poolStatus: ConnectionPoolStatus? { get }
    /// Copies the live database into the new file `path` and checks the copy (SQLite);
    /// answers its size in bytes. Engines backed up by their own tools throw.
    func backup(to path: String) async throws -> Int64

    // MARK: First start

    func userCount() async throws -> Int64
    /// Whether any user exists: what start-up asks, without counting every row (a count
    /// at start read the whole users table into SQLite's page cache: 1.9 MiB of idle RSS
    /// at 100,000 customers).
    func hasUsers() async throws -> Bool
    /// Inserts `admin` if there is still no user; answers whether it did.
    func insertFirstAdmin(_ admin: NewUser) async throws -> Bool
    /// Loads the demo shop into an empty database; false when it has users.
    func loadDemo(hasher: PasswordHasher) async throws -> Bool
    /// Empties the shop and loads the demo shop again, in one transaction (a kiosk's reset).
    func resetDemo(hasher: PasswordHasher) async throws

    // MARK: Staff users (`/api/v1/users`, `/api/v1/audit-log`)

    /// A page of users, each written as `<user>` after `out`'s bytes.
    func usersPage(_ filter: UserListFilter, page: PageRequest, _ access: Access, appendingTo out: JSONWriter) async throws -> WrittenRows
    func user(uuid: String) async throws -> User?
    /// Which of `username` and `email` are taken (checked before the slow hash).
    func takenFields(username: String, email: String) async throws -> [String]
    /// Inserts a user (audited when `actor` is given); refuses a taken name with `.duplicate`.
    func createUser(_ user: NewUser, by actor: User?) async throws -> User
    /// Applies `changes` under the guards, audited as `action`; answers the user as it now is.
    func updateUser(uuid: String, _ changes: UserChanges, by actor: User, action: String) async throws -> User
    func toggleUserStatus(uuid: String, by actor: User) async throws -> User
    func deleteUser(uuid: String, by actor: User) async throws
    func auditLog(_ filter: AuditLog.Filter, page: PageRequest) async throws -> Page<AuditLog.Entry>

    // MARK: Employee portal (`/employee`)

    func dashboard(_ access: Access) async throws -> Dashboard
    /// A page of customers, each written as the portal's customer after `out`'s bytes.
    func customersPage(_ filter: CustomerFilter, page: PageRequest, _ access: Access, appendingTo out: JSONWriter) async throws -> WrittenRows
    /// The customer `id` (soft-deleted included) and every cart of theirs, newest first.
    func customerWithCarts(id: Int64, _ access: Access) async throws -> (User, [Cart])?
    func changeCustomer(_ change: CustomerChange, id: Int64, by actor: User) async throws -> User
    /// Up to `limit` customers (soft-deleted ones too) with ids above `afterID`, by id: the
    /// customer export's batches (a keyset, so the last batch costs what the first does).
    func customers(afterID: Int64, limit: Int64) async throws -> [User]

    // MARK: Products (`/api/v1/products`)

    func productsPage(_ filter: ProductFilter, page: PageRequest, _ access: Access) async throws -> Page<Product>
    func product(id: Int64) async throws -> Product?
    /// The product that carries `barcode` among its barcodes.
    func product(barcode: String) async throws -> Product?
    func createProduct(_ fields: ProductFields, by actor: User) async throws -> Product
    func updateProduct(id: Int64, _ fields: ProductFields, by actor: User) async throws -> Product
    func deleteProduct(id: Int64, by actor: User) async throws
    /// The product import (API.md 8.3): rows created or updated by sku in one transaction,
    /// or `ProductImportError` naming every bad row and nothing written. A dry run plans
    /// the same way against the same catalogue and writes nothing.
    func importProducts(_ rows: [ProductImportRow], dryRun: Bool, by actor: User) async throws -> ProductImportCounts

    // MARK: Carts (`/api/v1/carts`)

    /// Opens an active cart for the customer (`actor`'s own when a customer), in the
    /// branch of the actor's open shift, else `branchID` (an active branch), else branch 1.
    func openCart(for customer: CustomerReference, branchID: Int64?, by actor: CartActor) async throws -> Cart
    /// A page of carts, newest first, limited to `owner`'s when given.
    func cartsPage(_ filter: CartListFilter, owner: Int64?, page: PageRequest) async throws -> Page<Cart>
    func cart(id: Int64, owner: Int64?) async throws -> Cart?
    func addCartItem(cartID: Int64, productID: Int64, quantityMilli: Int64, by actor: CartActor) async throws -> Cart
    /// Sets a line's quantity; nil removes the line.
    func changeCartItem(cartID: Int64, itemID: Int64, quantityMilli: Int64?, by actor: CartActor) async throws -> Cart
    /// `abandoned`.
    func abandonCart(cartID: Int64, by actor: CartActor) async throws -> Cart
    /// `checked_out` (not when empty) with the next receipt number of its branch; with
    /// tenders, paid in the actor's open shift (`SellingRules.change`).
    func checkout(cartID: Int64, tenders: [Tender], by actor: CartActor) async throws -> Cart
    /// The receipt of a checked-out cart (`owner`'s when given).
    func receipt(cartID: Int64, owner: Int64?) async throws -> Receipt

    // MARK: Selling (`/api/v1/shop`, `branches`, `shifts`, `refunds`)

    func shop() async throws -> Shop
    func updateShop(_ changes: ShopChanges, by actor: User) async throws -> Shop
    func branchesPage(page: PageRequest) async throws -> Page<Branch>
    func branch(id: Int64) async throws -> Branch?
    func createBranch(_ fields: BranchFields, by actor: User) async throws -> Branch
    func updateBranch(id: Int64, _ fields: BranchFields, by actor: User) async throws -> Branch
    func openShift(branchID: Int64, openingFloatCents: Int64, by actor: User) async throws -> Shift
    /// The user's open shift, if any.
    func openShift(of userID: Int64) async throws -> Shift?
    func shiftsPage(_ filter: ShiftFilter, page: PageRequest) async throws -> Page<Shift>
    func shift(id: Int64) async throws -> Shift?
    /// A pay-in or pay-out on an open shift: the actor's own, or any when `anyShift`.
    func addShiftCash(shiftID: Int64, kind: ShiftCash.Kind, amountCents: Int64, reason: String, by actor: User, anyShift: Bool) async throws -> ShiftCash
    func shiftReport(id: Int64) async throws -> ShiftReport?
    /// Closes an open shift (the actor's own, or any when `anyShift`) and answers its Z report.
    func closeShift(id: Int64, countedCashCents: Int64, by actor: User, anyShift: Bool) async throws -> ShiftReport
    /// A credit note under `SellingRules.refundLines`, approved by `approver` when given.
    func createRefund(_ request: RefundRequest, by actor: User, approvedBy approver: User?) async throws -> Refund
    func refundsPage(_ filter: RefundFilter, page: PageRequest) async throws -> Page<Refund>
    func refund(id: Int64) async throws -> Refund?
    func creditNote(refundID: Int64) async throws -> CreditNote?

    // MARK: Stock (API.md 8.1)

    /// Tracked products' levels in a branch, by product id.
    func stockLevels(_ filter: StockFilter, page: PageRequest) async throws -> Page<StockLevel>
    /// One product's level in every branch; nil when there is no such product.
    func productStock(id: Int64) async throws -> [StockLevel]?
    func stockMovements(_ filter: MovementFilter, page: PageRequest) async throws -> Page<StockMovement>
    /// A receipt of goods, an adjustment or a transfer: its movements, or nothing at all.
    func changeStock(_ change: StockChange, by actor: User) async throws -> [StockMovement]
    func stockValuation(branchID: Int64) async throws -> StockValuation

    // MARK: Reports

    func salesReport(days: Int64, branchID: Int64?, _ access: Access) async throws -> SalesReport
    /// Sold and refunded lines from `start` up to `end` (seconds), in time order (`SalesCSV.lines`).
    func saleLines(from start: Int64, to end: Int64, branchID: Int64?) async throws -> [SaleLineRow]
}

extension Storage {
    /// What a scanned code names (API.md 8.2): a product's own barcode, else a scale's
    /// label whose PLU a product carries, read as the shop says (weight or price).
    public func productByBarcode(_ code: String) async throws -> BarcodeMatch? {
        if let product = try await product(barcode: code) { return BarcodeMatch(product: product, quantityMilli: nil) }
        guard let scale = Barcodes.scale(code), let product = try await product(barcode: scale.plu) else { return nil }
        let reading = try await shop().scaleBarcodeValue
        guard let quantity = Barcodes.scaleQuantity(value: scale.value, reading: reading, unitPriceCents: product.unitPriceCents) else { return nil }
        return BarcodeMatch(product: product, quantityMilli: quantity)
    }

    public func sharedThrottle(scope: String, limits: LoginThrottle.Limits) -> (any AttemptThrottle)? { nil }
    public var poolStatus: ConnectionPoolStatus? { nil }

    public func backup(to path: String) async throws -> Int64 {
        throw StorageError(.unavailable, message: "\(engineName) is backed up with its own tools")
    }
}
