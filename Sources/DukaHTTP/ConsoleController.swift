import DukaAssets
import Crypto
import DukaCore
import HTTPTypes
import Hummingbird
import NIOCore

/// The web console (console/, compiled in): `/` is the page, `/assets/NAME` its script,
/// style sheet and icon. The page links its assets with `?v=<content hash>`, so those
/// answers may be cached for a year; the page itself is revalidated (ETag) every time.
struct ConsoleController {
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String
    }

    /// Only self-hosted script and style, no inline code, no framing, fetches to this origin only.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
        "connect-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    let page: Asset
    let assets: [String: Asset]
    /// The hash of every file: the `v` of asset links.
    let version: String

    /// `kioskReset`: a demo kiosk put back as new this often; the page says so at its top.
    init(files: [String: String] = ConsoleFiles.all, kioskReset: Duration? = nil) {
        var combined = SHA256()
        for name in files.keys.sorted() { combined.update(data: Array((name + "\0" + files[name]! + "\0").utf8)) }
        let version = Self.hex(combined.finalize()).prefix(16)
        self.version = String(version)
        var assets: [String: Asset] = [:]
        for (name, text) in files where name != "index.html" {
            assets[name] = Self.asset(text, contentType: Self.contentType(of: name))
        }
        self.assets = assets
        var note = ""
        if let kioskReset {
            let minutes = max(1, kioskReset.components.seconds / 60)
            note = "<p class=\"kiosk\" role=\"note\">A demo shop: whatever you change here is put back as new every "
                + (minutes == 1 ? "minute" : "\(minutes) minutes") + ", and you are signed out then.</p>\n"
        }
        let html = (files["index.html"] ?? "")
            .split(separator: "{{version}}", omittingEmptySubsequences: false).joined(separator: self.version)
            .split(separator: "{{kiosk}}", omittingEmptySubsequences: false).joined(separator: note)
        self.page = Self.asset(html, contentType: "text/html; charset=utf-8")
    }

    func register(in routes: RouteTable) {
        routes.get("/") { request, _ in
            serve(page, request: request, cacheControl: "no-cache", extra: [
                .contentSecurityPolicy: Self.contentSecurityPolicy,
                .xFrameOptions: "DENY",
                .referrerPolicy: "no-referrer",
            ])
        }
        routes.get("/assets/:name") { request, context in
            guard let name = context.parameters.get("name"), let asset = assets[name] else {
                throw APIError.notFound("Asset not found")
            }
            let versioned = QueryReader.parse(request.uri.query ?? "")["v"] == version
            return serve(asset, request: request, cacheControl: versioned ? "public, max-age=31536000, immutable" : "no-cache")
        }
    }

    private func serve(_ asset: Asset, request: Request, cacheControl: String, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: cacheControl]
        headers.append(contentsOf: extra)
        // If-None-Match compares weakly: `W/"x"` matches `"x"`, and `*` matches any.
        if let tags = request.headers[.ifNoneMatch], tags.split(separator: ",").contains(where: { tag in
            let tag = tag.trimmingCharacters(in: " \t")
            return tag == "*" || tag == asset.etag || tag == "W/" + asset.etag
        }) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }

    private static func asset(_ text: String, contentType: String) -> Asset {
        let tag = hex(SHA256.hash(data: Array(text.utf8))).prefix(16)
        return Asset(body: ByteBuffer(string: text), contentType: contentType, etag: "\"\(tag)\"")
    }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "js": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "html": return "text/html; charset=utf-8"
        default: return "application/octet-stream"
        }
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
