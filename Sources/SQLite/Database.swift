import CSQLite
import NIOCore
import NIOPosix
import Synchronization

/// A SQLite file with one writer connection and a pool of reader connections.
///
/// SQLite calls block, so none of them run on the caller's thread: writes go to a
/// single-thread pool (which also serialises them, in arrival order), reads to a pool
/// with one thread per reader connection. NIO event loops and Swift's cooperative
/// pool only ever await.
public final class Database: Sendable {
    public struct Configuration: Sendable {
        public var readers: Int
        public var busyTimeoutMilliseconds: Int32
        public var synchronous: Connection.Synchronous
        /// Another process checkpoints the WAL (Litestream, which ships the WAL's frames
        /// before they are folded in): no automatic checkpoints, and none at close.
        public var externalCheckpoints: Bool
        /// The writer's page cache in KiB (SQLite's default: 2,000); a bulk load touches
        /// far more of its indexes than that between commits.
        public var writerCacheKiB: Int?
        /// The writer's temporary files (statement journals, sorts) in memory. In a long
        /// transaction of many statements (a bulk load), every statement with triggers
        /// keeps a statement journal to undo it alone; once one outgrows SQLite's 64 KiB it
        /// spills to a temporary file for the rest of the transaction: 3.3 million
        /// `pwrite`s for 100,000 generated customers, half the load's time.
        public var writerTempStoreInMemory: Bool

        public init(
            readers: Int = System.coreCount, busyTimeoutMilliseconds: Int32 = 5000, synchronous: Connection.Synchronous = .full,
            externalCheckpoints: Bool = false, writerCacheKiB: Int? = nil, writerTempStoreInMemory: Bool = false
        ) {
            self.readers = max(1, readers)
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            self.synchronous = synchronous
            self.externalCheckpoints = externalCheckpoints
            self.writerCacheKiB = writerCacheKiB
            self.writerTempStoreInMemory = writerTempStoreInMemory
        }
    }

    public let path: String
    private let writer: Connection
    private let readers: Mutex<[Connection]>
    private let writeThread: NIOThreadPool
    private let readThreads: NIOThreadPool
    private let closed = Mutex(false)
    private let externalCheckpoints: Bool

    /// Opens the file with an already opened and checked writer connection (see `open`).
    private init(path: String, writer: Connection, readers: [Connection], externalCheckpoints: Bool) {
        self.path = path
        self.externalCheckpoints = externalCheckpoints
        self.writer = writer
        self.readers = Mutex(readers)
        self.writeThread = NIOThreadPool(numberOfThreads: 1)
        self.readThreads = NIOThreadPool(numberOfThreads: readers.count)
        writeThread.start()
        readThreads.start()
    }

    /// Opens (or creates) the database file.
    ///
    /// `prepare` runs on the writer connection before any pragma is changed, so that
    /// a caller can refuse a file (not a database, too new) and leave it untouched;
    /// then WAL mode and the other pragmas are applied, and `migrate` runs.
    public static func open(
        path: String,
        configuration: Configuration = .init(),
        prepare: (Connection) throws -> Void = { _ in },
        migrate: (Connection) throws -> Void = { _ in }
    ) throws -> Database {
        let writer = try Connection(path: path, mode: .readWriteCreate)
        sqlite3_busy_timeout(writer.handle, configuration.busyTimeoutMilliseconds)
        // Reading the header proves the file is a database before anything is written.
        _ = try writer.scalarInt("PRAGMA schema_version")
        try prepare(writer)
        try writer.configure(
            busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
            synchronous: configuration.synchronous,
            walMode: true
        )
        try migrate(writer)
        if configuration.externalCheckpoints { try writer.exec("PRAGMA wal_autocheckpoint = 0") }
        if let kib = configuration.writerCacheKiB { try writer.exec("PRAGMA cache_size = -\(max(kib, 1))") }
        if configuration.writerTempStoreInMemory { try writer.exec("PRAGMA temp_store = MEMORY") }
        var readers: [Connection] = []
        for _ in 0..<configuration.readers {
            let reader = try Connection(path: path, mode: .readOnly)
            try reader.configure(
                busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
                synchronous: configuration.synchronous,
                walMode: false
            )
            // Readers never write; this makes an accidental write fail loudly.
            try reader.exec("PRAGMA query_only=ON")
            readers.append(reader)
        }
        return Database(path: path, writer: writer, readers: readers, externalCheckpoints: configuration.externalCheckpoints)
    }

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`) on the writer connection.
    /// The change is committed (and, with `synchronous=FULL`, on disk) when this returns.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let writer = self.writer
        return try await writeThread.runIfActive {
            try writer.transaction(.immediate) { try body(writer) }
        }
    }

    /// Runs `body` on the writer connection without opening a transaction (maintenance).
    public func withWriter<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let writer = self.writer
        return try await writeThread.runIfActive { try body(writer) }
    }

    /// Runs `body` on a reader connection, inside one read transaction so that
    /// several queries see one snapshot.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        return try await readThreads.runIfActive { [self] in
            // There are as many connections as threads, so one is always free here.
            let connection = readers.withLock { $0.popLast() }!
            defer { readers.withLock { $0.append(connection) } }
            return try connection.transaction(.deferred) { try body(connection) }
        }
    }

    /// Checkpoints the WAL into the main file (unless another process does) and closes
    /// every connection.
    public func close() async {
        let alreadyClosed = closed.withLock { value in
            defer { value = true }
            return value
        }
        guard !alreadyClosed else { return }
        let writer = self.writer
        if !externalCheckpoints {
            _ = try? await writeThread.runIfActive {
                try writer.exec("PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
        try? await readThreads.shutdownGracefully()
        try? await writeThread.shutdownGracefully()
        readers.withLock { $0.removeAll() }
    }
}
