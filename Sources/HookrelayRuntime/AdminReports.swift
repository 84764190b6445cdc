public import HookrelayCore
public import HookrelayStore

/// Per-destination counts and the backlog, for `hookrelay stats` and the `/admin` page
/// (URLs shown masked, next to the destination's name).
public struct AdminStats: Sendable {
    /// One destination's row.
    public struct Destination: Sendable {
        public var name: String
        /// The configured URL; nil for a destination that is only in the store (removed from the config).
        /// Printed only masked (`maskedURL`).
        public var url: String?
        /// Deliveries by state (`pending`, `retrying`, `delivered`, `rejected`, `dead`).
        public var counts: [String: Int]
        /// Failed attempts in the last hour, at most `AdminStats.failureCountCap`.
        public var recentFailures: Int
        /// Delivered attempts in the last hour (deliveries turned `delivered`), at most `AdminStats.failureCountCap`.
        public var recentDelivered: Int
        /// `active`, `paused` or `probing` (SPEC §12).
        public var state: DestinationState

        public init(name: String, url: String?, counts: [String: Int], recentFailures: Int, recentDelivered: Int = 0, state: DestinationState = .active) {
            self.name = name
            self.url = url
            self.counts = counts
            self.recentFailures = recentFailures
            self.recentDelivered = recentDelivered
            self.state = state
        }

        public func count(_ state: String) -> Int { counts[state] ?? 0 }

        /// The URL as reports show it (`URLMasking.mask`); nil when not in the config.
        public var maskedURL: String? { url.map(URLMasking.mask) }
    }

    /// Failures (and delivered attempts) are counted up to this many per destination (then shown as `10000+`).
    public static let failureCountCap = 10_000

    public var destinations: [Destination]
    /// Deliveries pending or retrying.
    public var queueDepth: Int
    /// Unix ms when the oldest unfinished delivery was created.
    public var oldestPendingCreatedAt: Int64?
    public var events: Int
    /// Unix ms when the numbers were read.
    public var now: Int64

    public init(destinations: [Destination], queueDepth: Int, oldestPendingCreatedAt: Int64?, events: Int, now: Int64) {
        self.destinations = destinations
        self.queueDepth = queueDepth
        self.oldestPendingCreatedAt = oldestPendingCreatedAt
        self.events = events
        self.now = now
    }

    /// Reads the numbers from the store: configured destinations first (in config order), then
    /// any the store still holds deliveries for. Blocking: keep it off event loops.
    ///
    /// `states`: the running relay's view (`probing` is known only there); a destination it does
    /// not name is `paused` when the store says so (the command line, with no relay), else `active`.
    public static func collect(store: any RelayStore, config: RelayConfig, now: Int64, states: [String: DestinationState] = [:]) throws -> AdminStats {
        let queue = try store.queueStatus()
        let paused = try store.pausedDestinations()
        let events = try store.counts().events
        var rows: [Destination] = config.destinations.map {
            Destination(name: $0.name, url: $0.url, counts: queue.byDestination[$0.name] ?? [:], recentFailures: 0)
        }
        let configured = Set(config.destinations.map(\.name))
        for name in queue.byDestination.keys.sorted() where !configured.contains(name) {
            rows.append(Destination(name: name, url: nil, counts: queue.byDestination[name] ?? [:], recentFailures: 0))
        }
        for index in rows.indices {
            rows[index].recentFailures = try store.failureCount(
                FailureQuery(since: now - 3_600_000, destination: rows[index].name, limit: failureCountCap)
            )
            rows[index].recentDelivered = try store.deliveredCount(destination: rows[index].name, since: now - 3_600_000, limit: failureCountCap)
            rows[index].state = states[rows[index].name] ?? (paused.contains(rows[index].name) ? .paused : .active)
        }
        return AdminStats(destinations: rows, queueDepth: queue.depth, oldestPendingCreatedAt: queue.oldestPendingCreatedAt, events: events, now: now)
    }

    /// `10000+` when the count reached the cap.
    public static func failureCountText(_ count: Int) -> String {
        count >= failureCountCap ? "\(failureCountCap)+" : String(count)
    }

    /// The oldest pending delivery's age, `-` when there is none.
    public var oldestPendingText: String {
        guard let oldest = oldestPendingCreatedAt else { return "-" }
        return "\(AdminTime.age(millis: now - oldest)) (since \(AdminTime.rfc3339Seconds(oldest)))"
    }

    /// The plain-text report of `hookrelay stats`.
    public func rendered() -> String {
        var table = [["DESTINATION", "PENDING", "RETRYING", "DELIVERED", "REJECTED", "DEAD", "FAILURES 1H", "URL"]]
        for row in destinations {
            table.append([row.name] + RelayMetrics.deliveryStates.map { String(row.count($0)) }
                + [Self.failureCountText(row.recentFailures), row.maskedURL ?? "(not in config)"])
        }
        var out = TextTable.render(table, rightAligned: Set(1...6))
        out += "\nqueue depth (pending + retrying): \(queueDepth)\n"
        out += "oldest pending: \(oldestPendingText)\n"
        out += "events stored: \(events)\n"
        let paused = destinations.filter { $0.state == .paused }.map(\.name)
        if !paused.isEmpty {
            out += "paused: \(paused.joined(separator: ", ")) (no attempts until `hookrelay resume --destination NAME`)\n"
        }
        return out
    }
}

/// The failure log as a table for people (`hookrelay failures`), like Mailgun's "Failure logs" tab.
/// URLs are masked (`URLMasking.mask`), next to the destination's name.
public enum AdminFailureTable {
    /// Longest response snippet shown, on one line.
    public static let snippetWidth = 60

    public static func rendered(_ records: [FailureRecord]) -> String {
        guard !records.isEmpty else { return "no failed attempts\n" }
        var table = [["TIME", "DESTINATION", "URL", "ATTEMPT", "STATUS/ERROR", "NEXT ATTEMPT", "RESPONSE"]]
        for record in records {
            table.append([
                AdminTime.rfc3339Seconds(record.time), record.destination, URLMasking.mask(record.url),
                record.replay > 0 ? "\(record.attempt) (replay \(record.replay))" : String(record.attempt),
                reason(record), nextAttempt(record), snippet(record.response),
            ])
        }
        return TextTable.render(table, rightAligned: [])
    }

    /// `HTTP 500`, `timeout`, `connect: Connection refused`.
    public static func reason(_ record: FailureRecord) -> String {
        if let status = record.status { return "HTTP \(status)" }
        guard let message = record.message, !message.isEmpty else { return record.error }
        return "\(record.error): \(oneLine(message, width: 60))"
    }

    /// The next attempt's time, `rejected` for a 406, else `dead`.
    public static func nextAttempt(_ record: FailureRecord) -> String {
        if let next = record.nextAttempt { return AdminTime.rfc3339Seconds(next) }
        return (record.status == 406 ? DeliveryState.rejected : .dead).rawValue
    }

    /// The response body on one line, cut to `snippetWidth` characters.
    public static func snippet(_ text: String) -> String {
        oneLine(text, width: snippetWidth)
    }

    static func oneLine(_ text: String, width: Int) -> String {
        var out = ""
        var lastWasSpace = false
        for character in text {
            let isSpace = character.isWhitespace || character.isNewline || (character.asciiValue.map { $0 < 0x20 } ?? false)
            if isSpace {
                if !lastWasSpace && !out.isEmpty { out.append(" ") }
                lastWasSpace = true
            } else {
                out.append(character)
                lastWasSpace = false
            }
        }
        while out.last == " " { out.removeLast() }
        return out.count > width ? String(out.prefix(width - 1)) + "…" : out
    }
}

/// Columns padded to their widest cell, two spaces apart.
enum TextTable {
    static func render(_ rows: [[String]], rightAligned: Set<Int>) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var out = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: max(0, widths[index] - cell.count))
                if index > 0 { line += "  " }
                if index == row.count - 1 && !rightAligned.contains(index) {
                    line += cell
                } else {
                    line += rightAligned.contains(index) ? padding + cell : cell + padding
                }
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
