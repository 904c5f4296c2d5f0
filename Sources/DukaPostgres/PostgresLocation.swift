import NIOSSL
import PostgresNIO

/// A `postgres://` or `postgresql://` URL, as libpq reads it:
/// `postgres://user:password@host:port/database?sslmode=...&host=/socket/dir`.
/// Percent-escapes are decoded in the user, password, database and query values.
public struct PostgresLocation: Sendable, Equatable {
    public var username = "postgres"
    public var password: String?
    public var host = "localhost"
    public var port = 5432
    public var database: String?
    /// A unix socket directory (`?host=/run/postgresql`), used instead of host and port.
    public var socketDirectory: String?
    public var sslMode = "prefer"

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// True when `text` names PostgreSQL rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(url text: String) throws {
        guard let schemeEnd = text.firstRange(of: "://"), Self.isURL(text) else {
            throw Invalid(description: "not a postgres:// URL")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            let name = try Self.decoded(rest[rest.index(after: slash)...])
            database = name.isEmpty ? nil : name
        }
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                username = try Self.decoded(credentials[..<colon])
                password = try Self.decoded(credentials[credentials.index(after: colon)...])
            } else {
                username = try Self.decoded(credentials)
            }
        }
        if !authority.isEmpty {
            var hostPart = authority
            if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
                guard let number = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(number) else {
                    throw Invalid(description: "the port must be a number from 1 to 65535")
                }
                port = number
                hostPart = authority[..<colon]
            }
            if hostPart.hasPrefix("["), hostPart.hasSuffix("]") { hostPart = hostPart.dropFirst().dropLast() }
            if !hostPart.isEmpty { host = try Self.decoded(hostPart) }
        }
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = try Self.decoded(parts.count > 1 ? parts[1] : "")
            switch key {
            case "sslmode":
                guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(value) else {
                    throw Invalid(description: "unknown sslmode \(value)")
                }
                sslMode = value
            case "host":
                if value.hasPrefix("/") { socketDirectory = value } else { host = value }
            case "port":
                guard let number = Int(value), (1...65_535).contains(number) else {
                    throw Invalid(description: "the port must be a number from 1 to 65535")
                }
                port = number
            case "user": username = value
            case "password": password = value
            case "dbname": database = value
            case "application_name", "connect_timeout": break
            default: throw Invalid(description: "unknown URL parameter \(key)")
            }
        }
    }

    /// The URL without its password, for logs and messages.
    public var redacted: String {
        let target = socketDirectory.map { "?host=\($0)" } ?? ""
        let hostText = socketDirectory == nil ? "\(host):\(port)" : ""
        return "postgres://\(username)\(password == nil ? "" : ":***")@\(hostText)/\(database ?? username)\(target)"
    }

    /// The URL (password included), e.g. for the same server with another `database`.
    public var url: String {
        let credentials = Self.encoded(username) + (password.map { ":" + Self.encoded($0) } ?? "")
        var query = ["sslmode=\(sslMode)"]
        if let socketDirectory { query.append("host=\(Self.encoded(socketDirectory))") }
        return "postgres://\(credentials)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(Self.encoded(database ?? username))?"
            + query.joined(separator: "&")
    }

    private static func encoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) || "-._~".unicodeScalars.contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }

    enum TLSChoice {
        case disable
        case prefer(TLSConfiguration)
        case require(TLSConfiguration)
    }

    /// libpq's sslmode as TLS settings: allow and prefer try TLS without checking the
    /// certificate; require insists on TLS without checking; verify-ca checks the chain;
    /// verify-full also the host name.
    var tlsChoice: TLSChoice {
        switch sslMode {
        case "disable": return .disable
        case "allow", "prefer", "require":
            var unverified = TLSConfiguration.makeClientConfiguration()
            unverified.certificateVerification = .none
            return sslMode == "require" ? .require(unverified) : .prefer(unverified)
        case "verify-ca":
            var verified = TLSConfiguration.makeClientConfiguration()
            verified.certificateVerification = .noHostnameVerification
            return .require(verified)
        default:
            return .require(TLSConfiguration.makeClientConfiguration())
        }
    }

    /// The settings of a connection (the pool's and the health probe's).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username, password: password, database: database
            )
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch tlsChoice {
            case .disable: tls = .disable
            case .prefer(let settings): tls = .prefer(try NIOSSLContext(configuration: settings))
            case .require(let settings): tls = .require(try NIOSSLContext(configuration: settings))
            }
            configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(2)
        return configuration
    }

    private static func decoded(_ text: Substring) throws -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw Invalid(description: "a bad %-escape in the URL")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
