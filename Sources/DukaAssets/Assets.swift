/// The OpenAPI 3.1 description of the API (openapi.json, compiled in).
public enum APIDescription {
    public static var json: String { EmbeddedResources.openAPI }
}

/// The web console's static files (console/, compiled in): file name -> contents.
public enum ConsoleFiles {
    public static var all: [String: String] { EmbeddedResources.console }
}
