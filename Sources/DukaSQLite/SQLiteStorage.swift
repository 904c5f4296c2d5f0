import DukaAssets
import DukaCore
import NIOPosix
import SQLite

/// The embedded engine: one SQLite file (WAL), one writer thread, one reader connection
/// per reader thread (see `Database`). Each method is one transaction: reads on a reader,
/// changes on the writer, committed (and on disk) before it returns.
public final class SQLiteStorage: Storage {
    public let database: Database
    let metrics = StorageMetrics(engine: "sqlite")
    public let keptSearches: KeptSearchAdopter

    public init(database: Database) {
        self.database = database
        self.keptSearches = KeptSearchAdopter { [database] texts in
            try await KeptSearchStore.adopt(texts, in: database)
        }
    }

    /// Opens (creating, checking and migrating) Duka's database file: see `DukaDatabase.open`.
    /// `externalCheckpoints`: Litestream checkpoints the WAL (see `Database.Configuration`).
    public static func open(
        path: String, readers: Int, sharedFile: Bool = false, externalCheckpoints: Bool = false,
        tightened: (PrivateFiles.Tightened) -> Void = { _ in }
    ) throws -> SQLiteStorage {
        SQLiteStorage(database: try DukaDatabase.open(
            path: path, configuration: .init(readers: readers, externalCheckpoints: externalCheckpoints), sharedFile: sharedFile,
            tightened: tightened
        ))
    }

    // MARK: Transactions

    private func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let asked = ContinuousClock.now
        let (result, began) = try await metrics.counting {
            let knobs = SearchTestKnobs.current()
            return try await Self.engineErrors { try await database.read { db in (try knobs.bound { try body(db) }, ContinuousClock.now) } }
        }
        metrics.record(.read, asked: asked, began: began)
        return result
    }

    /// A read that first admits `access` against the user's row, in the same transaction.
    private func read<T: Sendable>(_ access: Access, _ body: @escaping @Sendable (User, Connection) throws -> T) async throws -> T {
        try await read { db in
            let user = try access.admit(try UserStore.find(id: access.userID, in: db))
            return try body(user, db)
        }
    }

    /// A page of users read by `list`, each row written by `write` from SQLite's bytes as
    /// it is stepped (no `User` made), after `out`'s bytes; `access` admitted first.
    private func writtenUsers(
        _ access: Access, appendingTo out: JSONWriter,
        list: @escaping @Sendable (Connection, (Row) throws -> Void) throws -> Page<Void>,
        write: @escaping @Sendable (SQLiteRowView<UserColumn>, inout JSONWriter) -> Void
    ) async throws -> WrittenRows {
        try await read(access) { _, db in
            var out = out
            let result = try list(db) { row in write(SQLiteRowView(row: row), &out) }
            return WrittenRows(out: out, total: result.total, request: result.request)
        }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let asked = ContinuousClock.now
        let (result, began) = try await metrics.counting {
            try await Self.engineErrors { try await database.write { db in (try body(db), ContinuousClock.now) } }
        }
        metrics.record(.write, asked: asked, began: began)
        return result
    }

    /// SQLite's own failures as the engine-neutral `StorageError`.
    private static func engineErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SQLiteError where error.isFull {
            throw StorageError(.full, message: error.message)
        } catch let error as SQLiteError where error.isReadOnly {
            throw StorageError(.readOnly, message: error.message)
        } catch let error as SQLiteError where error.isIOError {
            throw StorageError(.ioError, message: error.message)
        } catch let error as SQLiteError where error.isBusy {
            throw StorageError(.busy, message: error.message)
        }
    }

    // MARK: Sessions, settings, health

    public func user(_ access: Access) async throws -> User {
        try await read(access) { user, _ in user }
    }

    public func user(login: String) async throws -> User? {
        try await read { try UserStore.find(login: login, in: $0) }
    }

    public func replacePasswordHash(userID: Int64, old: String, new: String) async throws {
        try await write { try UserStore.replacePasswordHash(id: userID, old: old, new: new, in: $0) }
    }

    public func endSessions(userID: Int64) async throws {
        try await write { try UserStore.bumpSessionVersion(id: userID, in: $0) }
    }

    public func signingSecret() async throws -> String {
        try await write { try SigningSecret.stored(in: $0) }
    }

    public func storedSigningSecret() async throws -> String? {
        try await read { try SettingsStore.value(SigningSecret.key, in: $0) }
    }

    public func rotateSigningSecret() async throws -> Int64 {
        try await write { try SigningSecret.rotate(in: $0) }
    }

    public func checkReady() async throws {
        _ = try await read { try $0.scalarInt("SELECT 1") }
    }

    public func close() async {
        await keptSearches.close()
        await database.close()
    }

    // MARK: Operations

    public var engineName: String { "sqlite" }

    public func engineVersion() async throws -> String { Connection.libraryVersion }

    /// On NIO's blocking pool: a copy takes a reader thread from no one, and writers go
    /// on while it is taken (WAL).
    public func backup(to path: String) async throws -> Int64 {
        let source = database.path
        return try await NIOThreadPool.singleton.runIfActive { try SQLiteBackups.verifiedCopy(of: source, to: path) }
    }

    // MARK: First start

    public func userCount() async throws -> Int64 {
        try await read { try UserStore.count(in: $0) }
    }

    public func hasUsers() async throws -> Bool {
        try await read { try UserStore.any(in: $0) }
    }

    public func insertFirstAdmin(_ admin: NewUser) async throws -> Bool {
        try await write { db in
            guard try !UserStore.any(in: db) else { return false }
            try UserStore.insert(admin, in: db)
            return true
        }
    }

    public func loadDemo(hasher: PasswordHasher) async throws -> Bool {
        guard try await Self.engineErrors({ try await DemoSeed.load(into: database, hasher: hasher) }) else { return false }
        try await DemoSelling.play(seed: EmbeddedResources.seed, on: self)
        return true
    }

    public func resetDemo(hasher: PasswordHasher) async throws {
        try await Self.engineErrors { try await DemoSeed.reset(database, hasher: hasher) }
        try await DemoSelling.play(seed: EmbeddedResources.seed, on: self)
    }

    // MARK: Staff users

    public var seedsKeptSearchesAtStart: Bool { true }

    public func keptSearchSample(_ list: ShortSearch.List, size: Int, from: Int64) async throws -> KeptSearchSeeds.Sample? {
        try await read { try KeptSearchStore.sample(list, size: size, from: from, in: $0) }
    }

    public func usersPage(_ filter: UserListFilter, page: PageRequest, _ access: Access, appendingTo out: JSONWriter) async throws -> WrittenRows {
        let written = try await writtenUsers(access, appendingTo: out) { db, row in
            try UserStore.list(filter, page: page, in: db, row: row)
        } write: { UserAnswers.writeSummary($0, to: &$1) }
        if let kept = KeptSearch(filter) { keptSearches.found(kept, total: written.total) }
        return written
    }

    public func user(uuid: String) async throws -> User? {
        try await read { try UserStore.find(uuid: uuid, in: $0) }
    }

    public func takenFields(username: String, email: String) async throws -> [String] {
        try await read { try UserStore.takenFields(username: username, email: email, in: $0) }
    }

    public func createUser(_ user: NewUser, by actor: User?) async throws -> User {
        try await write { db in
            let created = try UserStore.insert(user, in: db)
            if let actor {
                try AuditLogStore.record(actor: actor, action: "user.create", targetType: .user, targetID: created.uuid, at: created.createdAt, in: db)
            }
            return created
        }
    }

    public func updateUser(uuid: String, _ changes: UserChanges, by actor: User, action: String) async throws -> User {
        try await write { db in
            try UserStore.refusingDuplicates { try UserStore.update(uuid: uuid, changes, actor: actor, action: action, in: db) }
        }
    }

    public func toggleUserStatus(uuid: String, by actor: User) async throws -> User {
        try await write { db in
            guard let current = try UserStore.find(uuid: uuid, in: db) else { throw UserChangeError.notFound }
            var changes = UserChanges()
            changes.isActive = !current.isActive
            return try UserStore.update(uuid: uuid, changes, actor: actor, action: "user.toggle_status", in: db)
        }
    }

    public func deleteUser(uuid: String, by actor: User) async throws {
        try await write { try UserStore.delete(uuid: uuid, actor: actor, in: $0) }
    }

    public func auditLog(_ filter: AuditLog.Filter, page: PageRequest) async throws -> Page<AuditLog.Entry> {
        try await read { try AuditLogStore.list(filter, page: page, in: $0) }
    }

    // MARK: Employee portal

    public func dashboard(_ access: Access) async throws -> Dashboard {
        try await read(access) { _, db in
            Dashboard(customers: try CustomerStore.countLive(in: db), products: try ProductStore.count(in: db), carts: try CartStore.count(in: db))
        }
    }

    public func customersPage(_ filter: CustomerFilter, page: PageRequest, _ access: Access, appendingTo out: JSONWriter) async throws -> WrittenRows {
        let written = try await writtenUsers(access, appendingTo: out) { db, row in
            try CustomerStore.list(filter, page: page, in: db, row: row)
        } write: { UserAnswers.writeCustomer($0, to: &$1) }
        if let kept = KeptSearch(filter) { keptSearches.found(kept, total: written.total) }
        return written
    }

    public func customerWithCarts(id: Int64, _ access: Access) async throws -> (User, [Cart])? {
        try await read(access) { _, db in
            guard let customer = try CustomerStore.find(id: id, in: db) else { return nil }
            return (customer, try CartStore.carts(ofUser: id, in: db))
        }
    }

    public func changeCustomer(_ change: CustomerChange, id: Int64, by actor: User) async throws -> User {
        try await write { try CustomerStore.apply(change, customerID: id, actor: actor, in: $0) }
    }

    // MARK: Products

    public func productsPage(_ filter: ProductFilter, page: PageRequest, _ access: Access) async throws -> Page<Product> {
        try await read(access) { _, db in try ProductStore.list(filter, page: page, in: db) }
    }

    public func product(id: Int64) async throws -> Product? {
        try await read { try ProductStore.find(id: id, in: $0) }
    }

    public func product(barcode: String) async throws -> Product? {
        try await read { try ProductStore.find(barcode: barcode, in: $0) }
    }

    public func createProduct(_ fields: ProductFields, by actor: User) async throws -> Product {
        try await write { try ProductStore.create(fields, actor: actor, in: $0) }
    }

    public func updateProduct(id: Int64, _ fields: ProductFields, by actor: User) async throws -> Product {
        try await write { try ProductStore.update(id: id, fields, actor: actor, in: $0) }
    }

    public func deleteProduct(id: Int64, by actor: User) async throws {
        try await write { try ProductStore.delete(id: id, actor: actor, in: $0) }
    }

    public func customers(afterID: Int64, limit: Int64) async throws -> [User] {
        try await read { db in
            try db.query(
                "SELECT \(UserStore.columns) FROM users WHERE role = 'customer' AND id > ? ORDER BY id LIMIT ?", afterID, limit, row: UserStore.decode
            )
        }
    }

    public func saleLines(from start: Int64, to end: Int64, branchID: Int64?) async throws -> [SaleLineRow] {
        try await read { db in try db.query(SalesCSV.lines, start, end, branchID, row: SalesCSV.decoded) }
    }

    public func importProducts(_ rows: [ProductImportRow], dryRun: Bool, by actor: User) async throws -> ProductImportCounts {
        // A dry run reads without the writer's lock: its answer is the commit's at that moment.
        if dryRun { return try await read { try ProductStore.importRows(rows, dryRun: true, actor: actor, in: $0) } }
        return try await write { try ProductStore.importRows(rows, dryRun: false, actor: actor, in: $0) }
    }

    // MARK: Carts

    public func openCart(for customer: CustomerReference, branchID: Int64?, by actor: CartActor) async throws -> Cart {
        try await write { db in
            let id: Int64?
            switch customer {
            case .id(let value): id = value
            case .uuid(let uuid): id = try UserStore.find(uuid: uuid, in: db)?.id
            }
            guard let id else { throw CartChangeError.customerNotAllowed }
            if let branchID { _ = try SellingStore.activeBranch(branchID, field: "branch_id", in: db) }
            let shift = actor.isCustomer ? nil : try SellingStore.openShift(of: actor.user.id, in: db)
            let branch = actor.isCustomer ? 1 : shift?.branchID ?? branchID ?? 1
            return try CartStore.open(customerID: id, branchID: branch, auditActor: actor.auditActor, in: db)
        }
    }

    public func cartsPage(_ filter: CartListFilter, owner: Int64?, page: PageRequest) async throws -> Page<Cart> {
        try await read { db in
            var userID = owner
            if owner == nil {
                switch filter.customer {
                case .id(let id): userID = id
                // An unknown uuid owns nothing: id 0 is never assigned.
                case .uuid(let uuid): userID = try UserStore.find(uuid: uuid, in: db)?.id ?? 0
                case nil: break
                }
            }
            return try CartStore.list(userID: userID, filter, page: page, in: db)
        }
    }

    public func cart(id: Int64, owner: Int64?) async throws -> Cart? {
        try await read { try CartStore.find(id: id, owner: owner, in: $0) }
    }

    public func addCartItem(cartID: Int64, productID: Int64, quantityMilli: Int64, by actor: CartActor) async throws -> Cart {
        try await write { db in
            try CartStore.addItem(
                cartID: cartID, productID: productID, quantityMilli: quantityMilli, channel: actor.channel,
                owner: actor.owner, auditActor: actor.auditActor, in: db
            )
        }
    }

    public func changeCartItem(cartID: Int64, itemID: Int64, quantityMilli: Int64?, by actor: CartActor) async throws -> Cart {
        try await write { db in
            try CartStore.changeItem(
                cartID: cartID, itemID: itemID, quantityMilli: quantityMilli, owner: actor.owner, auditActor: actor.auditActor, in: db
            )
        }
    }

    public func abandonCart(cartID: Int64, by actor: CartActor) async throws -> Cart {
        try await write { try CartStore.abandon(cartID: cartID, owner: actor.owner, auditActor: actor.auditActor, in: $0) }
    }

    public func checkout(cartID: Int64, tenders: [Tender], by actor: CartActor) async throws -> Cart {
        try await write { try SellingStore.checkout(cartID: cartID, tenders: tenders, actor: actor, in: $0) }
    }

    public func receipt(cartID: Int64, owner: Int64?) async throws -> Receipt {
        try await read { try SellingStore.receipt(cartID: cartID, owner: owner, in: $0) }
    }

    // MARK: Selling

    public func shop() async throws -> Shop {
        try await read { try SellingStore.shop(in: $0) }
    }

    public func updateShop(_ changes: ShopChanges, by actor: User) async throws -> Shop {
        try await write { try SellingStore.updateShop(changes, actor: actor, in: $0) }
    }

    public func branchesPage(page: PageRequest) async throws -> Page<Branch> {
        try await read { try SellingStore.branchesPage(page, in: $0) }
    }

    public func branch(id: Int64) async throws -> Branch? {
        try await read { try SellingStore.branch(id: id, in: $0) }
    }

    public func createBranch(_ fields: BranchFields, by actor: User) async throws -> Branch {
        try await write { try SellingStore.createBranch(fields, actor: actor, in: $0) }
    }

    public func updateBranch(id: Int64, _ fields: BranchFields, by actor: User) async throws -> Branch {
        try await write { try SellingStore.updateBranch(id: id, fields, actor: actor, in: $0) }
    }

    public func openShift(branchID: Int64, openingFloatCents: Int64, by actor: User) async throws -> Shift {
        try await write { try SellingStore.openShift(branchID: branchID, floatCents: openingFloatCents, actor: actor, in: $0) }
    }

    public func openShift(of userID: Int64) async throws -> Shift? {
        try await read { try SellingStore.openShift(of: userID, in: $0) }
    }

    public func shiftsPage(_ filter: ShiftFilter, page: PageRequest) async throws -> Page<Shift> {
        try await read { try SellingStore.shiftsPage(filter, page: page, in: $0) }
    }

    public func shift(id: Int64) async throws -> Shift? {
        try await read { try SellingStore.shift(id: id, in: $0) }
    }

    public func addShiftCash(shiftID: Int64, kind: ShiftCash.Kind, amountCents: Int64, reason: String, by actor: User, anyShift: Bool) async throws -> ShiftCash {
        try await write {
            try SellingStore.addCash(shiftID: shiftID, kind: kind, amountCents: amountCents, reason: reason, actor: actor, anyShift: anyShift, in: $0)
        }
    }

    public func shiftReport(id: Int64) async throws -> ShiftReport? {
        try await read { try SellingStore.report(id: id, in: $0) }
    }

    public func closeShift(id: Int64, countedCashCents: Int64, by actor: User, anyShift: Bool) async throws -> ShiftReport {
        try await write { try SellingStore.close(id: id, countedCents: countedCashCents, actor: actor, anyShift: anyShift, in: $0) }
    }

    public func createRefund(_ request: RefundRequest, by actor: User, approvedBy approver: User?) async throws -> Refund {
        try await write { try SellingStore.createRefund(request, actor: actor, approver: approver, in: $0) }
    }

    public func refundsPage(_ filter: RefundFilter, page: PageRequest) async throws -> Page<Refund> {
        try await read { try SellingStore.refundsPage(filter, page: page, in: $0) }
    }

    public func refund(id: Int64) async throws -> Refund? {
        try await read { try SellingStore.refund(id: id, in: $0) }
    }

    public func stockLevels(_ filter: StockFilter, page: PageRequest) async throws -> Page<StockLevel> {
        try await read { try StockStore.levelsPage(filter, page: page, in: $0) }
    }

    public func productStock(id: Int64) async throws -> [StockLevel]? {
        try await read { try StockStore.productLevels(id, in: $0) }
    }

    public func stockMovements(_ filter: MovementFilter, page: PageRequest) async throws -> Page<StockMovement> {
        try await read { try StockStore.movementsPage(filter, page: page, in: $0) }
    }

    public func changeStock(_ change: StockChange, by actor: User) async throws -> [StockMovement] {
        try await write { try StockStore.apply(change, actor: actor, in: $0) }
    }

    public func stockValuation(branchID: Int64) async throws -> StockValuation {
        try await read { try StockStore.valuation(branchID: branchID, in: $0) }
    }

    public func creditNote(refundID: Int64) async throws -> CreditNote? {
        try await read { try SellingStore.creditNote(refundID: refundID, in: $0) }
    }

    // MARK: Reports

    public func salesReport(days: Int64, branchID: Int64?, _ access: Access) async throws -> SalesReport {
        try await read(access) { _, db in try SalesReport.load(days: days, branchID: branchID, in: db) }
    }
}
