import ArgumentParser
import DukaCore
import DukaPostgres
import DukaSQLite
import Logging
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a database without changing it: integrity and foreign keys (SQLite), schema version, counters, orphan rows.",
        discussion: "Prints one line per check. Exits 0 when every check passes, 1 when one fails, 2 when the database cannot be read."
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let findings: [DatabaseCheck.Finding]
        do {
            if database.isPostgres {
                var quiet = Logger(label: "duka-check")
                quiet.logLevel = .critical
                findings = try await PGCheck.run(url: database.resolvedPath, logger: quiet)
            } else {
                let path = database.resolvedPath
                guard FileManager.default.fileExists(atPath: path) else {
                    printError("\(path) does not exist")
                    throw ExitCode(2)
                }
                findings = try await SQLiteCheck.run(path: path)
            }
        } catch let error as ExitCode {
            throw error
        } catch let error as SQLiteError {
            printError(error.isNotADatabase ? "\(database.displayName) is not a SQLite database" : "cannot check \(database.displayName): \(error.message)")
            throw ExitCode(error.isNotADatabase ? 1 : 2)
        } catch let error as DukaDatabaseError {
            print("FAIL  schema version: \(error.description)")
            throw ExitCode(1)
        } catch let error as PGMigrations.TooNew {
            print("FAIL  schema version: \(error.description)")
            throw ExitCode(1)
        } catch {
            printError("cannot check \(database.displayName): \(error)")
            throw ExitCode(2)
        }
        print(DatabaseCheck.report(findings))
        let failed = findings.filter { !$0.passed }.count
        print(failed == 0 ? "\(database.displayName): healthy" : "\(database.displayName): \(failed) of \(findings.count) checks failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
