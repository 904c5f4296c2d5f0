import HummingbirdCore
import Synchronization

/// Hummingbird's connection limit, with the count readable from elsewhere (`/metrics`):
/// past `maximum` open connections the server stops accepting, and later ones wait in
/// the listen backlog.
final class CountedConnections: AvailableConnectionsDelegate {
    let maximum: Int
    private let count = Atomic(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    var open: Int { count.load(ordering: .relaxed) }

    func connectionOpened() { count.add(1, ordering: .relaxed) }
    func connectionClosed() { count.subtract(1, ordering: .relaxed) }
    func isAcceptingNewConnections() -> Bool { open < maximum }
}
