import DukaAssets
import DukaCore
import Logging
import NIOCore
import PostgresNIO

/// The chain engine: Duka on a PostgreSQL server, through postgres-nio's connections in a
/// pool of Duka's own (`PGPool`).
/// Each method is one transaction on one leased connection, committed before it returns;
/// reads see one snapshot, changes lock what their guards read (see `PGTransactions`).
public final class PostgresStorage: Storage {
    let pool: PGPool
    let logger: Logger
    public let location: PostgresLocation
    private let watching: Task<Void, Never>
    let health = PGHealth()
    let statements = PGStatements()
    let metrics = StorageMetrics(engine: "postgres")
    public let keptSearches = KeptSearchAdopter()

    private init(pool: PGPool, location: PostgresLocation, logger: Logger) {
        self.pool = pool
        self.location = location
        self.logger = logger
        let health = health
        watching = Task { await pool.watch(health: health, location: location) }
        keptSearches.adopting { [weak self] texts in
            // One statement per text: PostgreSQL counts each through its trigram index.
            for (key, total) in texts.sorted(by: { $0.total > $1.total }) {
                guard let self else { return }
                try await PGKeptSearches.adopt(key, total: total, storage: self)
            }
        }
    }

    /// Connects to `url`, checks and migrates the schema (under an advisory lock, so that
    /// instances starting at once migrate once), and answers the ready engine.
    public static func open(url: String, connections: Int = 16, logger: Logger) async throws -> PostgresStorage {
        let storage = try await connect(url: url, connections: connections, logger: logger)
        do {
            try await storage.unmanaged { db in _ = try await PGMigrations.migrate(db.connection, logger: logger) }
        } catch {
            await storage.close()
            throw error
        }
        return storage
    }

    /// A pool on `url`, schema untouched (for tools that create databases or copy into them).
    public static func connect(url: String, connections: Int = 16, logger: Logger) async throws -> PostgresStorage {
        let location = try PostgresLocation(url: url)
        var configuration = try location.connectionConfiguration()
        // A server that does not answer is reported within seconds, not minutes.
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.additionalStartupParameters = [
            ("application_name", "duka"),
            // No statement or lock wait outlives a request's patience; a transaction left
            // idle by a vanished client is ended by the server.
            ("statement_timeout", "15000"),
            ("lock_timeout", "10000"),
            ("idle_in_transaction_session_timeout", "60000"),
        ]
        let pool = PGPool(capacity: connections, configuration: configuration, logger: logger)
        return PostgresStorage(pool: pool, location: location, logger: logger)
    }

    // MARK: Sessions, settings, health

    /// One statement (no transaction round trips): the caller of a change, admitted.
    public func user(_ access: Access) async throws -> User {
        try await single { db in try access.admit(try await PGUsers.find(id: access.userID, in: db)) }
    }

    public func user(login: String) async throws -> User? {
        try await read { try await PGUsers.find(login: login, in: $0) }
    }

    public func replacePasswordHash(userID: Int64, old: String, new: String) async throws {
        try await write { try await PGUsers.replacePasswordHash(id: userID, old: old, new: new, in: $0) }
    }

    public func endSessions(userID: Int64) async throws {
        try await write { try await PGUsers.bumpSessionVersion(id: userID, in: $0) }
    }

    public func signingSecret() async throws -> String {
        try await write { try await PGSettings.signingSecret(in: $0) }
    }

    public func storedSigningSecret() async throws -> String? {
        try await read { try await PGSettings.value(SigningSecret.key, in: $0) }
    }

    public func rotateSigningSecret() async throws -> Int64 {
        try await write { db in
            try await db.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                SigningSecret.key, SigningSecret.random()
            )
            return try await db.scalarInt(
                "WITH ended AS (UPDATE users SET session_version = session_version + $1 RETURNING 1) SELECT COUNT(*) FROM ended",
                SigningSecret.versionJump()
            ) ?? 0
        }
    }

    public func checkReady() async throws {
        _ = try await single { try await $0.scalarInt("SELECT 1") }
    }

    /// The schema version the database is at.
    public func schemaVersion() async throws -> Int64 {
        try await read { try await PGMigrations.version($0) }
    }

    public func close() async {
        await keptSearches.close()
        watching.cancel()
        await pool.close()
    }

    // MARK: Operations

    public var engineName: String { "postgres" }

    public func engineVersion() async throws -> String {
        try await single { try await $0.first("SHOW server_version")?.string(0) } ?? "unknown"
    }

    public var poolStatus: ConnectionPoolStatus? { pool.status }

    // MARK: First start

    public func userCount() async throws -> Int64 {
        try await read { try await PGUsers.count(in: $0) }
    }

    public func hasUsers() async throws -> Bool {
        try await read { try await PGUsers.any(in: $0) }
    }

    public func insertFirstAdmin(_ admin: NewUser) async throws -> Bool {
        try await write(limited: false) { db in
            // Instances starting at once: one inserts, the others see its admin.
            try await PGDemo.lockUsersForFirstStart(db)
            guard try await !PGUsers.any(in: db) else { return false }
            try await PGUsers.insert(admin, in: db)
            return true
        }
    }

    public func loadDemo(hasher: PasswordHasher) async throws -> Bool {
        let shop = try await DemoShop.load(seed: EmbeddedResources.seed, hasher: hasher)
        guard try await write(limited: false, { try await PGDemo.insert(shop, in: $0) }) else { return false }
        try await DemoSelling.play(seed: EmbeddedResources.seed, on: self)
        return true
    }

    public func resetDemo(hasher: PasswordHasher) async throws {
        let shop = try await DemoShop.load(seed: EmbeddedResources.seed, hasher: hasher)
        // A whole shop reloaded, like the first load: not cut at the pool's work limit (each
        // statement keeps the server's own timeout). Under a loaded CI machine one reset
        // outlasted the limit and the watchdog closed its connection mid-reset.
        try await write(limited: false) { try await PGDemo.reset(shop, in: $0) }
        try await DemoSelling.play(seed: EmbeddedResources.seed, on: self)
    }

    // MARK: Staff users

    public var seedsKeptSearchesAtStart: Bool { false }

    public func keptSearchSample(_ list: ShortSearch.List, size: Int, from: Int64) async throws -> KeptSearchSeeds.Sample? {
        try await read { try await PGKeptSearches.sample(list, size: size, from: from, in: $0) }
    }

    public func usersPage(_ filter: UserListFilter, page: PageRequest, _ access: Access, appendingTo out: JSONWriter) async throws -> WrittenRows {
        let written = try await single { db in
            var out = out
            let result = try await PGUsers.list(filter, page: page, access, in: db) { row in
                UserAnswers.writeSummary(PGRowView<UserColumn>(row: row), to: &out)
            }
            return WrittenRows(out: out, total: result.total, request: result.request)
        }
        if let kept = KeptSearch(filter) { keptSearches.found(kept, total: written.total) }
        return written
    }

    public func user(uuid: String) async throws -> User? {
        try await read { try await PGUsers.find(uuid: uuid, in: $0) }
    }

    public func takenFields(username: String, email: String) async throws -> [String] {
        try await read { try await PGUsers.takenFields(username: username, email: email, in: $0) }
    }

    public func createUser(_ user: NewUser, by actor: User?) async throws -> User {
        try await write { db in
            let created = try await PGUsers.insert(user, in: db)
            if let actor {
                try await PGAuditLog.record(actor: actor, action: "user.create", targetType: .user, targetID: created.uuid, at: created.createdAt, in: db)
            }
            return created
        }
    }

    public func updateUser(uuid: String, _ changes: UserChanges, by actor: User, action: String) async throws -> User {
        try await write { try await PGUsers.update(uuid: uuid, changes, actor: actor, action: action, in: $0) }
    }

    public func toggleUserStatus(uuid: String, by actor: User) async throws -> User {
        try await write { db in
            guard let current = try await PGUsers.find(uuid: uuid, forUpdate: true, in: db) else { throw UserChangeError.notFound }
            var changes = UserChanges()
            changes.isActive = !current.isActive
            return try await PGUsers.update(uuid: uuid, changes, actor: actor, action: "user.toggle_status", in: db)
        }
    }

    public func deleteUser(uuid: String, by actor: User) async throws {
        try await write { try await PGUsers.delete(uuid: uuid, actor: actor, in: $0) }
    }

    public func auditLog(_ filter: AuditLog.Filter, page: PageRequest) async throws -> Page<AuditLog.Entry> {
        try await read { try await PGAuditLog.list(filter, page: page, in: $0) }
    }

    // MARK: Employee portal

    public func dashboard(_ access: Access) async throws -> Dashboard {
        try await single { try await PGAdmittedReads.dashboard(access, in: $0) }
    }

    public func customersPage(_ filter: CustomerFilter, page: PageRequest, _ access: Access, appendingTo out: JSONWriter) async throws -> WrittenRows {
        let written = try await single { db in
            var out = out
            let result = try await PGCustomers.page(filter, page: page, access, in: db) { row in
                UserAnswers.writeCustomer(PGRowView<UserColumn>(row: row), to: &out)
            }
            return WrittenRows(out: out, total: result.total, request: result.request)
        }
        if let kept = KeptSearch(filter) { keptSearches.found(kept, total: written.total) }
        return written
    }

    public func customerWithCarts(id: Int64, _ access: Access) async throws -> (User, [Cart])? {
        try await single { db in try await PGAdmittedReads.customerWithCarts(id: id, access, in: db) }
    }

    public func changeCustomer(_ change: CustomerChange, id: Int64, by actor: User) async throws -> User {
        try await write { try await PGCustomers.apply(change, customerID: id, actor: actor, in: $0) }
    }

    // MARK: Products

    public func productsPage(_ filter: ProductFilter, page: PageRequest, _ access: Access) async throws -> Page<Product> {
        try await single { db in try await PGProducts.list(filter, page: page, access, in: db) }
    }

    public func product(id: Int64) async throws -> Product? {
        try await read { try await PGProducts.find(id: id, in: $0) }
    }

    public func product(barcode: String) async throws -> Product? {
        try await read { try await PGProducts.find(barcode: barcode, in: $0) }
    }

    public func createProduct(_ fields: ProductFields, by actor: User) async throws -> Product {
        try await write { try await PGProducts.create(fields, actor: actor, in: $0) }
    }

    public func updateProduct(id: Int64, _ fields: ProductFields, by actor: User) async throws -> Product {
        try await write { try await PGProducts.update(id: id, fields, actor: actor, in: $0) }
    }

    public func deleteProduct(id: Int64, by actor: User) async throws {
        try await write { try await PGProducts.delete(id: id, actor: actor, in: $0) }
    }

    public func customers(afterID: Int64, limit: Int64) async throws -> [User] {
        try await single { db in
            try await db.rows(
                "SELECT \(PGUsers.columns) FROM users WHERE role = 'customer' AND id > $1 ORDER BY id LIMIT $2", afterID, limit
            ).map(PGUsers.decode)
        }
    }

    public func saleLines(from start: Int64, to end: Int64, branchID: Int64?) async throws -> [SaleLineRow] {
        try await read { db in try await db.rows(SalesCSV.lines, start, end, branchID).map(SalesCSV.decoded) }
    }

    public func importProducts(_ rows: [ProductImportRow], dryRun: Bool, by actor: User) async throws -> ProductImportCounts {
        if dryRun { return try await read { try await PGProducts.importRows(rows, dryRun: true, actor: actor, in: $0) } }
        // Not cut at the pool's 25 s: each batch has its own statement timeout, and a
        // 200,000-row catalogue may take longer than that in all.
        return try await write(limited: false) { try await PGProducts.importRows(rows, dryRun: false, actor: actor, in: $0) }
    }

    // MARK: Carts

    public func openCart(for customer: CustomerReference, branchID: Int64?, by actor: CartActor) async throws -> Cart {
        try await write { db in
            let id: Int64?
            switch customer {
            case .id(let value): id = value
            case .uuid(let uuid): id = try await PGUsers.find(uuid: uuid, in: db)?.id
            }
            guard let id else { throw CartChangeError.customerNotAllowed }
            if let branchID { _ = try await PGSelling.activeBranch(branchID, field: "branch_id", in: db) }
            let shift = actor.isCustomer ? nil : try await PGSelling.openShift(of: actor.user.id, in: db)
            let branch = actor.isCustomer ? 1 : shift?.branchID ?? branchID ?? 1
            return try await PGCarts.open(customerID: id, branchID: branch, auditActor: actor.auditActor, in: db)
        }
    }

    public func cartsPage(_ filter: CartListFilter, owner: Int64?, page: PageRequest) async throws -> Page<Cart> {
        try await read { db in
            var userID = owner
            if owner == nil {
                switch filter.customer {
                case .id(let id): userID = id
                // An unknown uuid owns nothing: id 0 is never assigned.
                case .uuid(let uuid): userID = try await PGUsers.find(uuid: uuid, in: db)?.id ?? 0
                case nil: break
                }
            }
            return try await PGCarts.list(userID: userID, filter, page: page, in: db)
        }
    }

    public func cart(id: Int64, owner: Int64?) async throws -> Cart? {
        try await read { try await PGCarts.find(id: id, owner: owner, in: $0) }
    }

    public func addCartItem(cartID: Int64, productID: Int64, quantityMilli: Int64, by actor: CartActor) async throws -> Cart {
        try await write { db in
            try await PGCarts.addItem(
                cartID: cartID, productID: productID, quantityMilli: quantityMilli, channel: actor.channel,
                owner: actor.owner, auditActor: actor.auditActor, in: db
            )
        }
    }

    public func changeCartItem(cartID: Int64, itemID: Int64, quantityMilli: Int64?, by actor: CartActor) async throws -> Cart {
        try await write { db in
            try await PGCarts.changeItem(
                cartID: cartID, itemID: itemID, quantityMilli: quantityMilli, owner: actor.owner, auditActor: actor.auditActor, in: db
            )
        }
    }

    public func abandonCart(cartID: Int64, by actor: CartActor) async throws -> Cart {
        try await write { try await PGCarts.abandon(cartID: cartID, owner: actor.owner, auditActor: actor.auditActor, in: $0) }
    }

    public func checkout(cartID: Int64, tenders: [Tender], by actor: CartActor) async throws -> Cart {
        try await write { try await PGSelling.checkout(cartID: cartID, tenders: tenders, actor: actor, in: $0) }
    }

    public func receipt(cartID: Int64, owner: Int64?) async throws -> Receipt {
        try await read { try await PGSelling.receipt(cartID: cartID, owner: owner, in: $0) }
    }

    // MARK: Selling

    public func shop() async throws -> Shop {
        try await read { try await PGSelling.shop(in: $0) }
    }

    public func updateShop(_ changes: ShopChanges, by actor: User) async throws -> Shop {
        try await write { try await PGSelling.updateShop(changes, actor: actor, in: $0) }
    }

    public func branchesPage(page: PageRequest) async throws -> Page<Branch> {
        try await read { try await PGSelling.branchesPage(page, in: $0) }
    }

    public func branch(id: Int64) async throws -> Branch? {
        try await read { try await PGSelling.branch(id: id, in: $0) }
    }

    public func createBranch(_ fields: BranchFields, by actor: User) async throws -> Branch {
        try await write { try await PGSelling.createBranch(fields, actor: actor, in: $0) }
    }

    public func updateBranch(id: Int64, _ fields: BranchFields, by actor: User) async throws -> Branch {
        try await write { try await PGSelling.updateBranch(id: id, fields, actor: actor, in: $0) }
    }

    public func openShift(branchID: Int64, openingFloatCents: Int64, by actor: User) async throws -> Shift {
        try await write { try await PGSelling.openShift(branchID: branchID, floatCents: openingFloatCents, actor: actor, in: $0) }
    }

    public func openShift(of userID: Int64) async throws -> Shift? {
        try await read { try await PGSelling.openShift(of: userID, in: $0) }
    }

    public func shiftsPage(_ filter: ShiftFilter, page: PageRequest) async throws -> Page<Shift> {
        try await read { try await PGSelling.shiftsPage(filter, page: page, in: $0) }
    }

    public func shift(id: Int64) async throws -> Shift? {
        try await read { try await PGSelling.shift(id: id, in: $0) }
    }

    public func addShiftCash(shiftID: Int64, kind: ShiftCash.Kind, amountCents: Int64, reason: String, by actor: User, anyShift: Bool) async throws -> ShiftCash {
        try await write {
            try await PGSelling.addCash(shiftID: shiftID, kind: kind, amountCents: amountCents, reason: reason, actor: actor, anyShift: anyShift, in: $0)
        }
    }

    public func shiftReport(id: Int64) async throws -> ShiftReport? {
        try await read { try await PGSelling.report(id: id, in: $0) }
    }

    public func closeShift(id: Int64, countedCashCents: Int64, by actor: User, anyShift: Bool) async throws -> ShiftReport {
        try await write { try await PGSelling.close(id: id, countedCents: countedCashCents, actor: actor, anyShift: anyShift, in: $0) }
    }

    public func createRefund(_ request: RefundRequest, by actor: User, approvedBy approver: User?) async throws -> Refund {
        try await write { try await PGSelling.createRefund(request, actor: actor, approver: approver, in: $0) }
    }

    public func refundsPage(_ filter: RefundFilter, page: PageRequest) async throws -> Page<Refund> {
        try await read { try await PGSelling.refundsPage(filter, page: page, in: $0) }
    }

    public func refund(id: Int64) async throws -> Refund? {
        try await read { try await PGSelling.refund(id: id, in: $0) }
    }

    public func stockLevels(_ filter: StockFilter, page: PageRequest) async throws -> Page<StockLevel> {
        try await read { try await PGStock.levelsPage(filter, page: page, in: $0) }
    }

    public func productStock(id: Int64) async throws -> [StockLevel]? {
        try await read { try await PGStock.productLevels(id, in: $0) }
    }

    public func stockMovements(_ filter: MovementFilter, page: PageRequest) async throws -> Page<StockMovement> {
        try await read { try await PGStock.movementsPage(filter, page: page, in: $0) }
    }

    public func changeStock(_ change: StockChange, by actor: User) async throws -> [StockMovement] {
        try await write { try await PGStock.apply(change, actor: actor, in: $0) }
    }

    public func stockValuation(branchID: Int64) async throws -> StockValuation {
        try await read { try await PGStock.valuation(branchID: branchID, in: $0) }
    }

    public func creditNote(refundID: Int64) async throws -> CreditNote? {
        try await read { try await PGSelling.creditNote(refundID: refundID, in: $0) }
    }

    // MARK: Reports

    public func salesReport(days: Int64, branchID: Int64?, _ access: Access) async throws -> SalesReport {
        try await read(access) { _, db in try await PGSalesReport.load(days: days, branchID: branchID, in: db) }
    }
}

/// The demo shop's rows, inserted as the SQLite engine inserts them.
enum PGDemo {
    /// Locks `users` against other instances' first starts. The wait is not bounded by
    /// the session's lock and statement timeouts: another instance loading the demo shop
    /// may hold the lock longer than 10 s on a loaded machine, and a start-up may wait.
    static func lockUsersForFirstStart(_ db: PGSession) async throws {
        try await db.execute("SET LOCAL lock_timeout = 0")
        try await db.execute("SET LOCAL statement_timeout = 0")
        try await db.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
    }

    static func insert(_ shop: DemoShop, in db: PGSession) async throws -> Bool {
        try await lockUsersForFirstStart(db)
        guard try await !PGUsers.any(in: db) else { return false }
        try await fill(shop, in: db)
        return true
    }

    /// Puts the demo shop back as new in one transaction (DELETE, not TRUNCATE: readers
    /// go on reading the old shop until the commit instead of waiting for a lock).
    static func reset(_ shop: DemoShop, in db: PGSession) async throws {
        for table in DemoShop.resetTables { try await db.execute("DELETE FROM \(table)") }
        for statement in SellingSQL.resetShop { try await db.execute(statement) }
        try await fill(shop, in: db)
    }

    static func fill(_ shop: DemoShop, in db: PGSession) async throws {
        var userIDs: [String: Int64] = [:]
        for user in shop.users {
            userIDs[user.username] = try await PGUsers.insert(user, in: db).id
        }
        var productIDs: [String: (id: Int64, price: Int64, taxClass: String)] = [:]
        for product in shop.products {
            let id = try await db.insertReturningID(
                """
                INSERT INTO products (sku, name, description, unit, unit_price_cents, is_active, created_at, updated_at, tax_class,
                                      track_stock, low_stock_threshold_milli, barcodes)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11) RETURNING id
                """,
                product.sku, product.name, product.description, product.unit, product.priceCents, product.isActive, product.createdAt,
                product.taxClass.rawValue, product.trackStock, product.lowStockThresholdMilli, Barcodes.stored(product.barcodes)
            )
            for code in product.barcodes { try await db.execute(BarcodeSQL.insert, code, id) }
            productIDs[product.sku] = (id, product.priceCents, product.taxClass.rawValue)
        }
        for cart in shop.carts {
            guard let userID = userIDs[cart.customer] else { throw DemoShop.Error(description: "seed: unknown customer \(cart.customer)") }
            let cartID = try await db.insertReturningID(
                "INSERT INTO carts (user_id, status, created_at, updated_at) VALUES ($1, $2, $3, $4) RETURNING id",
                userID, cart.status, cart.createdAt, cart.updatedAt
            )
            for line in cart.lines {
                guard let product = productIDs[line.sku] else { throw DemoShop.Error(description: "seed: bad cart line \(line.sku)") }
                try await db.execute(
                    """
                    INSERT INTO cart_items (cart_id, product_id, quantity_milli, sale_channel, unit_price_cents, created_at, updated_at, tax_class)
                    VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
                    """,
                    cartID, product.id, line.quantityMilli, line.channel, product.price, line.at, product.taxClass
                )
            }
        }
        try await PGSelling.numberSales(in: db)
    }
}
