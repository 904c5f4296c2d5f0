#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The scheduled backups in a directory: `duka-20261203T120000Z.sqlite`, named by UTC
/// time so that names sort by age.
public enum BackupFiles {
    public static func name(at seconds: Int64) -> String {
        "duka-" + Timestamp.iso8601(seconds).filter { $0 != "-" && $0 != ":" } + ".sqlite"
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The scheduled backups `directory` holds, oldest first.
    public static func scheduled(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("duka-") && $0.hasSuffix("Z.sqlite") && $0.count == "duka-20261203T120000Z.sqlite".count }.sorted()
    }

    /// Removes the oldest scheduled backups beyond `keep` (at least one stays), and the
    /// partial copies a killed server left (the scheduler makes one backup at a time, so
    /// none is in progress when it prunes); answers the names removed.
    @discardableResult
    public static func prune(_ directory: String, keep: Int) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let leftovers = names.filter { $0.hasPrefix("duka-") && $0.contains("Z.sqlite.partial") }
        let removed = Array(scheduled(in: directory).dropLast(max(keep, 1))) + leftovers
        for name in removed { unlink(directory + "/" + name) }
        return removed
    }
}
