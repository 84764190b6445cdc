import Foundation
import HookrelayCore

/// A `POST /admin/api/destinations/{name}/pause` or `…/resume` (SPEC §12), read from its path.
struct AdminPauseRequest: Sendable, Equatable {
    static let prefix = "/admin/api/destinations/"
    /// What the `/admin` page's forms send; they carry the admin token in a `token` field.
    static let formMediaType = "application/x-www-form-urlencoded"

    var destination: String
    /// True for `pause`, false for `resume`.
    var pause: Bool

    /// Nil unless `path` is `prefix` + a non-empty name (percent-encoded or not) + `/pause` or `/resume`.
    init?(path: String) {
        guard path.hasPrefix(Self.prefix) else { return nil }
        let rest = path.dropFirst(Self.prefix.count)
        guard let slash = rest.lastIndex(of: "/") else { return nil }
        let raw = String(rest[..<slash])
        switch rest[rest.index(after: slash)...] {
        case "pause": pause = true
        case "resume": pause = false
        default: return nil
        }
        let name = raw.removingPercentEncoding ?? raw
        guard !name.isEmpty, !name.contains("/") else { return nil }
        destination = name
    }

    /// The path of `destination`'s pause (or resume) control.
    static func path(_ destination: String, pause: Bool) -> String {
        prefix + destination + (pause ? "/pause" : "/resume")
    }

    /// The most a form's body may be: the page's forms send one `token` field. The body is read
    /// before the token is known, so any client reaching the admin listener could otherwise have
    /// a body up to `max_body` parsed on an event loop (a 10 MiB form took ~300 MiB and 0.4 s).
    static let maxFormBytes = 4096

    /// The `token` field of a urlencoded form body; nil for a body over `maxFormBytes`.
    static func formToken(_ body: [UInt8]) -> String? {
        guard body.count <= maxFormBytes else { return nil }
        return FormURLEncodedParser.firstValues(ofQuery: Substring(String(decoding: body, as: UTF8.self)))["token"]
    }
}

/// What the admin listener needs of the running delivery (SPEC §12): every destination's state
/// (`active`, `paused`, `probing`) and the pause switch, in force at once.
struct AdminDeliveryControl: Sendable {
    var states: @Sendable () -> [String: DestinationState]
    var setPaused: @Sendable (_ destination: String, _ paused: Bool) -> Void

    /// No delivery running: states from the store alone, a switch that does nothing.
    static let none = AdminDeliveryControl(states: { [:] }, setPaused: { _, _ in })
}
