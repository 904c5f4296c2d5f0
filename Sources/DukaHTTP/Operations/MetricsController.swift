import Crypto
import DukaCore
import Hummingbird
import NIOCore
import Prometheus

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /metrics` in Prometheus' text format, for a scraper holding the metrics token
/// (`Authorization: Bearer TOKEN`; 401 otherwise). Registered only when a token is
/// configured, so without one the path is an unknown route (404). Process figures and
/// the pool's state are read at each scrape; everything else is recorded as it happens.
struct MetricsController {
    let storage: any Storage
    let token: String
    let connections: CountedConnections
    private let started = ContinuousClock.now
    private let gauges: ProcessGauges

    init(storage: any Storage, token: String, connections: CountedConnections, commit: String, engineVersion: String) {
        self.storage = storage
        self.token = token
        self.connections = connections
        self.gauges = ProcessGauges(
            registry: DukaMetrics.registry, commit: commit, engine: storage.engineName, engineVersion: engineVersion,
            hasPool: storage.poolStatus != nil
        )
    }

    func register(in routes: RouteTable) {
        let expected = SHA256.hash(data: Array(token.utf8))
        routes.get("/metrics") { request, _ in
            // Compared as digests, so the time taken does not depend on where a guess differs.
            // The header only: a browser's session cookie is not a metrics token.
            guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
                  SHA256.hash(data: Array(header.dropFirst(7).utf8)) == expected
            else {
                throw APIError.unauthorized("A valid metrics token is required")
            }
            gauges.update(uptime: ContinuousClock.now - started, connections: connections.open, pool: storage.poolStatus)
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            DukaMetrics.registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }
}

/// Gauges read from the process and the server at each scrape.
struct ProcessGauges: Sendable {
    let residentBytes: Gauge
    let cpuSeconds: Gauge
    let openFiles: Gauge
    let uptime: Gauge
    let httpConnections: Gauge
    /// Open, in use, waiting: for an engine with a pool that grows and shrinks (PostgreSQL).
    let pool: (open: Gauge, inUse: Gauge, waiting: Gauge)?

    init(registry: PrometheusCollectorRegistry, commit: String, engine: String, engineVersion: String, hasPool: Bool) {
        residentBytes = registry.makeGauge(name: "duka_process_resident_memory_bytes", help: "Resident set size")
        cpuSeconds = registry.makeGauge(name: "duka_process_cpu_seconds_total", help: "User and system CPU time")
        openFiles = registry.makeGauge(name: "duka_process_open_fds", help: "Open file descriptors")
        uptime = registry.makeGauge(name: "duka_process_uptime_seconds", help: "Seconds since the server started")
        httpConnections = registry.makeGauge(name: "duka_http_open_connections", help: "HTTP connections open now")
        pool = hasPool ? (
            registry.makeGauge(name: "duka_db_pool_connections", labels: [("state", "open")], help: "Database connections"),
            registry.makeGauge(name: "duka_db_pool_connections", labels: [("state", "in_use")], help: "Database connections"),
            registry.makeGauge(name: "duka_db_pool_waiting", help: "Units of work waiting for a database connection")
        ) : nil
        registry.makeGauge(
            name: "duka_build_info",
            labels: [("version", BuildInfo.version), ("commit", commit), ("engine", engine), ("engine_version", engineVersion)],
            help: "The binary and its database engine (always 1)"
        ).set(1.0)
    }

    func update(uptime elapsed: Duration, connections: Int, pool status: ConnectionPoolStatus?) {
        let usage = ProcessUsage.read()
        residentBytes.set(Double(usage.residentBytes))
        cpuSeconds.set(usage.cpuSeconds)
        openFiles.set(Double(usage.openFiles))
        uptime.set(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        httpConnections.set(Double(connections))
        if let pool, let status {
            pool.open.set(Double(status.open))
            pool.inUse.set(Double(status.inUse))
            pool.waiting.set(Double(status.waiting))
        }
    }
}

/// The process's memory, CPU time and open files, from /proc (zeros where there is none).
struct ProcessUsage {
    var residentBytes = 0
    var cpuSeconds = 0.0
    var openFiles = 0

    static func read() -> ProcessUsage {
        var usage = ProcessUsage()
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        // statm: size resident shared ... (in pages).
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) { usage.residentBytes = pages * pageSize }
        }
        // stat: fields 14 and 15 (utime, stime) after the command name in parentheses.
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]), ticks > 0 {
                usage.cpuSeconds = (user + system) / ticks
            }
        }
        usage.openFiles = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return usage
    }
}
