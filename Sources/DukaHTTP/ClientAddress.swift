import HTTPTypes
import Hummingbird
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address range in CIDR form (`10.0.0.0/8`, `fd00::/8`, or one address).
public struct IPRange: Sendable, Hashable, CustomStringConvertible {
    let bytes: [UInt8]
    let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPRange.parse(String(parts[0])) else { return nil }
        let bits = address.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...bits).contains(length), parts[1].allSatisfy(\.isASCII) else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        bytes = address
    }

    /// The address's bytes (4 or 16), with an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`)
    /// read as IPv4; nil when `text` is not an address.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        // A zone (`fe80::1%eth0`) does not change which range an address is in.
        let unzoned = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        guard inet_pton(AF_INET6, unzoned, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }

    /// The address as one client's key for counting attempts: an IPv6 address by its
    /// /64 (one subscriber's network, in which an attacker can take any of 2^64
    /// addresses); anything else as it is.
    static func throttleKey(for address: String) -> String {
        guard let bytes = parse(address), bytes.count == 16 else { return address }
        return IPRange(bytes: Array(bytes[0..<8]) + Array(repeating: 0, count: 8), prefixLength: 64).description
    }

    init(bytes: [UInt8], prefixLength: Int) {
        self.bytes = bytes
        self.prefixLength = prefixLength
    }

    /// The canonical text of an address (`[2001:DB8::1]:443` -> `2001:db8::1`, an IPv4
    /// address with a port -> the address), or nil when it is none.
    static func canonical(_ text: String) -> String? {
        var host = Substring(text)
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = host[host.index(after: host.startIndex)..<close]
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            host = host[..<colon]
        }
        guard let bytes = parse(String(host)) else { return nil }
        return format(bytes)
    }

    static func format(_ bytes: [UInt8]) -> String {
        var output = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &output, socklen_t(output.count)) != nil }
        return ok ? String(cString: output) : ""
    }

    public func contains(_ address: String) -> Bool {
        guard let other = IPRange.parse(address) else { return false }
        return contains(bytes: other)
    }

    func contains(bytes other: [UInt8]) -> Bool {
        guard other.count == bytes.count else { return false }
        var remaining = prefixLength
        for index in bytes.indices where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if bytes[index] & mask != other[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    public var description: String {
        "\(IPRange.format(bytes))/\(prefixLength)"
    }
}

/// Finds the client's address: the socket's peer, unless that peer is a trusted proxy
/// (`--trusted-proxy`), in which case `X-Forwarded-For` is read from the right: the
/// first address that is not itself a trusted proxy is the client. Without trusted
/// proxies the header is ignored (anyone can write it).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = DukaRequestContext

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    let trustedProxies: [IPRange]
    /// Set once the operator has been told that a proxy seems to be in front.
    private let warned = Once()

    init(trustedProxies: [IPRange]) {
        self.trustedProxies = trustedProxies
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if trustedProxies.isEmpty {
            if !warned.isDone, request.headers[Self.forwardedFor] != nil, warned.first() {
                context.logger.warning(
                    "requests carry X-Forwarded-For but no --trusted-proxy is set: every client behind that proxy shares one address, and 30 failed logins lock them all out. Name the proxy with --trusted-proxy."
                )
            }
            return try await next(request, context)
        }
        guard isTrusted(context.clientAddress) else { return try await next(request, context) }
        var context = context
        context.clientAddress = clientAddress(peer: context.clientAddress, forwardedFor: request.headers[values: Self.forwardedFor])
        return try await next(request, context)
    }

    func isTrusted(_ address: String) -> Bool {
        guard let bytes = IPRange.parse(address) else { return false }
        return trustedProxies.contains { $0.contains(bytes: bytes) }
    }

    /// `peer` is trusted; the hops are read right to left while they are trusted too.
    /// Each is taken in its canonical form (ports, brackets and zones dropped).
    func clientAddress(peer: String, forwardedFor lines: [String]) -> String {
        let hops = lines.flatMap { $0.split(separator: ",") }.map { String(Substring($0).trimmingCharacters(in: " \t")) }
        var client = peer
        for hop in hops.reversed() {
            // A malformed hop cannot be trusted or blamed: the last good one stands.
            guard let address = IPRange.canonical(hop) else { break }
            client = address
            if !isTrusted(address) { break }
        }
        return client
    }
}

/// True the first time only.
final class Once: Sendable {
    private let done = Atomic<Bool>(false)

    func first() -> Bool { !done.exchange(true, ordering: .relaxed) }

    var isDone: Bool { done.load(ordering: .relaxed) }
}
