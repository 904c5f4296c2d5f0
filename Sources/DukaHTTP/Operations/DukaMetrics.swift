import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// The process's metrics: swift-metrics instruments (Hummingbird's `MetricsMiddleware`,
/// the engines' `StorageMetrics`, logins) recorded into one Prometheus registry, emitted
/// by `GET /metrics`. swift-metrics has one backend per process, chosen once: `duka
/// serve` bootstraps it only when a metrics token is configured (before the database
/// opens, so the engine's instruments record into it); instruments made before then, or
/// without it, record nothing.
public enum DukaMetrics {
    /// The registry every instrument records into once `bootstrap()` has run.
    public static let registry = PrometheusCollectorRegistry()

    private static let bootstrapped = Mutex(false)

    /// Makes Prometheus swift-metrics' backend, once per process (later calls do nothing).
    public static func bootstrap() {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in
            (names[name] ?? name, labels.map { (labelNames[$0.0] ?? $0.0, $0.1) })
        }
        let durations: [Duration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.defaultDurationHistogramBuckets = durations
        MetricsSystem.bootstrap(factory)
    }

    public static var isBootstrapped: Bool { bootstrapped.withLock { $0 } }

    /// Hummingbird's names (OpenTelemetry's, with dots) as Prometheus names.
    private static let names = [
        "hb.requests": "duka_http_requests_total",
        "hb.request.errors": "duka_http_request_errors_total",
        "http.server.request.duration": "duka_http_request_duration_seconds",
        "http.server.active_requests": "duka_http_active_requests",
    ]
    private static let labelNames = [
        "http.route": "route",
        "http.request.method": "method",
        "http.response.status_code": "status",
        "error.type": "status",
    ]
}
