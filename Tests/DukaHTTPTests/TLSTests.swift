import DukaCore
@testable import DukaSQLite
import DukaAssets
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import DukaHTTP

@Suite struct TLSTests {
    /// A self-signed certificate made now with openssl.
    static func makeCertificate(in directory: URL) throws -> (cert: String, key: String) {
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
            "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return (cert, key)
    }

    @Test func servesHTTPSWithASecureCookie() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("duka-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (cert, key) = try Self.makeCertificate(in: directory)
        let duka = try await TestDuka.make {
            $0.tlsCertificatePath = cert
            $0.tlsKeyPath = key
        }
        try await duka.run(.ahc(.https)) { (api: TestAPI) async throws in
            #expect(try await api.request(.get, "/healthz").status == .ok)
            let login = try await api.login("admin", TestDuka.adminPassword)
            #expect(login.status == .ok)
            #expect(login.headers[.setCookie]?.contains("; Secure") == true)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    @Test func badCertificateFilesStopTheStart() async throws {
        await #expect(throws: ConfigurationError.self) {
            _ = try await TestDuka.make {
                $0.tlsCertificatePath = "/nonexistent/cert.pem"
                $0.tlsKeyPath = "/nonexistent/key.pem"
            }
        }
    }
}
