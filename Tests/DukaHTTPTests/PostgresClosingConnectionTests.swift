import DukaCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization
import Testing

@testable import DukaPostgres

/// A statement written to a connection as it closes: postgres-nio 1.33 drops the write's
/// failure and never answers it; Duka's `PGSession.answer` fails it instead, so the
/// request answers 503 rather than hang (CI caught one such hang as PostgreSQL died).
@Suite(.enabled(if: TestEngine.postgresURL != nil)) struct PostgresClosingConnectionTests {
    /// Resumed once, by whichever comes first.
    final class FirstAnswer<T: Sendable>: Sendable {
        let continuation = Mutex<CheckedContinuation<Result<T, any Error>?, Never>?>(nil)
        func resume(_ value: Result<T, any Error>?) { continuation.withLock { $0.take() }?.resume(returning: value) }
    }

    /// `body`'s result, or nil if it has not come within `seconds` (the hang this guards
    /// against must fail the test, not stall it: the waiting task is left behind).
    static func within<T: Sendable>(_ seconds: Int, _ body: @escaping @Sendable () async throws -> T) async -> Result<T, any Error>? {
        let first = FirstAnswer<T>()
        return await withCheckedContinuation { continuation in
            first.continuation.withLock { $0 = continuation }
            Task {
                do { first.resume(.success(try await body())) } catch { first.resume(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                first.resume(nil)
            }
        }
    }

    static func connection() async throws -> PostgresConnection {
        let configuration = try PostgresLocation(url: TestEngine.postgresURL!).connectionConfiguration()
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test"))
    }

    @Test func aStatementWrittenAsItsConnectionClosesFails() async throws {
        for _ in 0..<20 {
            let connection = try await Self.connection()
            // The close is queued on the connection's event loop before the statement's write.
            _ = connection.close() as EventLoopFuture<Void>
            let outcome = await Self.within(5) {
                let answer: EventLoopFuture<PostgresQueryResult> = connection.query("SELECT 1", logger: Logger(label: "test"))
                return try await PGSession.answer(answer, on: connection).rows.count
            }
            switch outcome {
            case nil: Issue.record("the statement was never answered")
            case .success(let count)?: Issue.record("answered \(count) rows on a closed connection")
            case .failure?: break
            }
            try? await connection.close()
        }
    }
}
