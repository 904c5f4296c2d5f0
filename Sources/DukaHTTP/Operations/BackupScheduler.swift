import CoreMetrics
import DukaCore
import Logging
import ServiceLifecycle


/// `duka serve --backup-dir DIR --backup-every SECONDS --backup-keep N`: while serving,
/// a checked copy of the database every SECONDS, named by its UTC time, the oldest
/// removed past N. A failed backup is logged and counted (`duka_backups_total`), and
/// serving goes on. Stops at graceful shutdown.
public struct BackupSchedule: Sendable, Equatable {
    public var directory: String
    public var every: Duration
    public var keep: Int

    public init(directory: String, every: Duration, keep: Int) {
        self.directory = directory
        self.every = every
        self.keep = keep
    }
}

struct BackupScheduler: Service {
    let schedule: BackupSchedule
    let storage: any Storage
    let logger: Logger

    func run() async throws {
        let lastSuccess = Gauge(label: "duka_backup_last_success_timestamp_seconds")
        let lastSize = Gauge(label: "duka_backup_last_size_bytes")
        while !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: schedule.every) }
            } catch {
                return
            }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            let now = Timestamp.now()
            let path = schedule.directory + "/" + BackupFiles.name(at: now)
            // Names carry whole seconds: this second is backed up already.
            if BackupFiles.exists(path) { continue }
            do {
                let bytes = try await storage.backup(to: path)
                Counter(label: "duka_backups_total", dimensions: [("outcome", "ok")]).increment()
                lastSuccess.record(now)
                lastSize.record(bytes)
                let removed = BackupFiles.prune(schedule.directory, keep: schedule.keep)
                logger.notice("backed up the database", metadata: [
                    "file": .string(path), "bytes": .stringConvertible(bytes), "removed": .stringConvertible(removed.count),
                ])
            } catch {
                Counter(label: "duka_backups_total", dimensions: [("outcome", "failed")]).increment()
                logger.error("scheduled backup failed; serving goes on", metadata: [
                    "file": .string(path), "error": .string("\(error)"),
                ])
            }
        }
    }
}
