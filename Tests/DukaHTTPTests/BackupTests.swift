import DukaCore
import DukaHTTP
import DukaSQLite
import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLite
import Testing

/// Scheduled backups while serving, and `duka restore`'s checks (SQLite: PostgreSQL is
/// backed up with its own tools, and `duka serve` refuses the flags there).
@Suite struct BackupTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("duka-backups-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func scheduledBackupsAreCheckedPrivateAndPruned() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let duka = try await TestDuka.make {
            $0.backups = BackupSchedule(directory: directory, every: .milliseconds(300), keep: 2)
            $0.metricsToken = MetricsTests.token
        }
        // A partial copy left by a server killed mid-backup is cleared by the next prune.
        FileManager.default.createFile(atPath: directory + "/duka-20200101T000000Z.sqlite.partial", contents: Data([1, 2, 3]))
        try await duka.run(.live) { api in
            let before = try await MetricsTests.scrape(api)
            try await duka.makeUser("before_backup", role: .customer)
            // Names carry whole seconds: wait for two seconds' worth, then one more backup.
            var waited = 0
            while BackupFiles.scheduled(in: directory).count < 2 || waited < 12 {
                try await Task.sleep(for: .milliseconds(250))
                waited += 1
                #expect(waited < 80, "no backups after 20 s")
                if waited >= 80 { return }
            }
            let after = try await MetricsTests.scrape(api)
            let ok = after.value("duka_backups_total", ["outcome": "ok"]) - before.value("duka_backups_total", ["outcome": "ok"])
            #expect(ok >= 3)
            #expect(after.value("duka_backup_last_size_bytes") > 0)
            // Serving went on meanwhile.
            #expect(try await api.request(.get, "/healthz").status == .ok)
        }
        // Once the server has stopped (a backup under way is finished first): two backups
        // kept, and nothing else: no partial copies, no -wal or -shm.
        let kept = BackupFiles.scheduled(in: directory)
        #expect(kept.count == 2, "\(kept)")
        let everything = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(everything == kept)
        for name in kept {
            let path = directory + "/" + name
            #expect(PrivateFiles.mode(of: path) == 0o600)
            #expect(try SQLiteBackups.check(path) == Migrations.latestVersion)
            let copy = try Connection(path: path, mode: .readOnly)
            #expect(try copy.scalarInt("SELECT COUNT(*) FROM users WHERE username = 'before_backup'") == 1)
        }
    }

    @Test func aFailedBackupIsCountedAndServingGoesOn() async throws {
        let directory = try Self.temporaryDirectory()
        let log = CapturedLog()
        let duka = try await TestDuka.make(logger: log.logger) {
            $0.backups = BackupSchedule(directory: directory + "/gone", every: .milliseconds(100), keep: 2)
            $0.metricsToken = MetricsTests.token
        }
        try FileManager.default.removeItem(atPath: directory)
        try await duka.run(.live) { api in
            let before = try await MetricsTests.scrape(api)
            try await Task.sleep(for: .milliseconds(600))
            let after = try await MetricsTests.scrape(api)
            #expect(after.value("duka_backups_total", ["outcome": "failed"]) > before.value("duka_backups_total", ["outcome": "failed"]))
            #expect(log.entries.contains { $0.message.hasPrefix("scheduled backup failed") })
            let token = try await api.token("admin", TestDuka.adminPassword)
            #expect(try await api.request(.get, "/api/v1/auth/me", token: token).status == .ok)
        }
    }

    @Test func restoreChecksTheBackupAndTheTarget() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let duka = try await TestDuka.make(demo: true)
        let live = duka.server.configuration.databasePath
        let backup = directory + "/good.sqlite"
        try await duka.run { (_: TestAPI) async throws in
            let size = try await duka.server.storage.backup(to: backup)
            #expect(size > 0)
            // A backup is never written over an existing file.
            await #expect(throws: PrivateFiles.Failure.self) { _ = try await duka.server.storage.backup(to: backup) }
            // The live database is open in a running server: refused even with --force.
            #expect(throws: SQLiteBackups.Failure.inUse(live)) { try SQLiteBackups.restore(backup: backup, to: live, force: true) }
        }

        // Into a new path: the whole backup, checked.
        let fresh = directory + "/restored.sqlite"
        #expect(try SQLiteBackups.restore(backup: backup, to: fresh, force: false) == Migrations.latestVersion)
        #expect(try await SQLiteCheck.run(path: fresh).allSatisfy { $0.passed })
        // Over an existing one: only with force.
        #expect(throws: SQLiteBackups.Failure.exists(fresh)) { try SQLiteBackups.restore(backup: backup, to: fresh, force: false) }
        #expect(try SQLiteBackups.restore(backup: backup, to: fresh, force: true) == Migrations.latestVersion)
        #expect(!FileManager.default.fileExists(atPath: fresh + ".restoring"))

        // A damaged backup, a newer one and a file that is no database are refused, and
        // the target stays as it was.
        let damaged = directory + "/damaged.sqlite"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: backup)))
        for index in stride(from: 4096 * 3, to: min(bytes.count, 4096 * 6), by: 7) { bytes[index] ^= 0x5A }
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        #expect(throws: SQLiteBackups.Failure.self) { try SQLiteBackups.restore(backup: damaged, to: fresh, force: true) }
        let newer = directory + "/newer.sqlite"
        try FileManager.default.copyItem(atPath: backup, toPath: newer)
        try Connection(path: newer, mode: .readWrite).exec("PRAGMA user_version = \(Migrations.latestVersion + 1)")
        #expect(throws: SQLiteBackups.Failure.tooNew(newer, found: Migrations.latestVersion + 1, known: Migrations.latestVersion)) {
            try SQLiteBackups.restore(backup: newer, to: fresh, force: true)
        }
        let text = directory + "/notes.txt"
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: SQLiteBackups.Failure.notADatabase(text)) { try SQLiteBackups.restore(backup: text, to: fresh, force: true) }
        #expect(try await SQLiteCheck.run(path: fresh).allSatisfy { $0.passed })
    }
}
