import Foundation
import HookrelayCore
import HookrelayHTTP
import HookrelayStore

/// The admin listener: health and readiness probes now; the operator's API, metrics and
/// page as they land. When `admin_token` is set, everything but the probes needs
/// `Authorization: Bearer <token>`.
final class AdminResponder: HTTPResponder {
    private let store: EventStore
    private let metrics: RelayMetrics
    private let adminToken: [UInt8]?

    init(store: EventStore, metrics: RelayMetrics, adminToken: String?) {
        self.store = store
        self.metrics = metrics
        self.adminToken = adminToken.map { Array($0.utf8) }
    }

    func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let path = request.path
        switch path {
        case "/healthz":
            completion(.text(200, "ok\n"))
            return
        case "/readyz":
            // A read on the store blocks: keep it off the event loop.
            let store = self.store
            Task.detached {
                completion(store.isReady() ? .text(200, "ready\n") : .text(503, "store unavailable\n"))
            }
            return
        default:
            break
        }
        guard isAuthorized(request) else {
            completion(.error(401, "admin_token required", headers: [HeaderField(name: "WWW-Authenticate", value: "Bearer")]))
            return
        }
        switch (request.method, path) {
        case ("GET", _) where path.hasPrefix("/admin/api/events/"):
            let id = String(path.dropFirst("/admin/api/events/".count)).removingPercentEncoding ?? ""
            let store = self.store
            Task.detached {
                do {
                    guard let record = try store.eventRecord(id: id) else {
                        completion(.error(404, "no event with id \(id)"))
                        return
                    }
                    completion(.json(200, AdminJSON.event(record)))
                } catch {
                    completion(.error(503, "store unavailable: \(error)"))
                }
            }
        case ("GET", "/metrics"):
            completion(.text(200, metrics.render(queueDepth: store.writeQueueDepth), contentType: "text/plain; version=0.0.4"))
        default:
            completion(.error(404, "not found"))
        }
    }

    private func isAuthorized(_ request: HTTPRequest) -> Bool {
        guard let adminToken else { return true }
        guard let header = request.header("authorization"), header.hasPrefix("Bearer ") else { return false }
        return ConstantTime.equals(Array(header.dropFirst(7).utf8), adminToken)
    }
}
