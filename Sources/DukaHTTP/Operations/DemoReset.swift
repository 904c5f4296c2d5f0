import CoreMetrics
import DukaCore
import Logging
import ServiceLifecycle

/// `duka serve --demo --reset-every MINUTES`: a public demo kiosk never drifts. Every
/// interval the shop is emptied and the demo shop loaded again, in one transaction, so a
/// visitor sees the old shop or the new one and never a mix; every earlier session ends
/// (the new users have new uuids). A reset that fails is logged and counted, and the
/// next one tries again.
struct DemoReset: Service {
    let every: Duration
    let storage: any Storage
    let hasher: PasswordHasher
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            } catch {
                return
            }
            if Task.isShuttingDownGracefully { return }
            do {
                try await storage.resetDemo(hasher: hasher)
                Counter(label: "duka_demo_resets_total", dimensions: [("outcome", "ok")]).increment()
                logger.notice("put the demo shop back as new")
            } catch {
                Counter(label: "duka_demo_resets_total", dimensions: [("outcome", "failed")]).increment()
                logger.error("demo reset failed; the next one tries again", metadata: ["error": .string("\(error)")])
            }
        }
    }
}
