import Foundation
import HookrelayCore
import HookrelayStore

/// The JSON shapes of the admin API (SPEC §7), written by hand: small, fixed, and stable.
enum AdminJSON {
    /// `{"id","event","received","deliveries":[{"destination","url","state","attempts","last_status","last_error"}]}`
    static func event(_ record: EventRecord) -> String {
        let deliveries = record.deliveries.map { delivery in
            """
            {"destination":\(JSONText.quote(delivery.destination)),"url":\(JSONText.quote(delivery.url)),\
            "state":\(JSONText.quote(delivery.state)),"attempts":\(delivery.attempts),\
            "last_status":\(delivery.lastStatus.map(String.init) ?? "null"),\
            "last_error":\(delivery.lastError.map(JSONText.quote) ?? "null")}
            """
        }
        return """
            {"id":\(JSONText.quote(record.id)),"event":\(JSONText.quote(record.type)),"source":\(JSONText.quote(record.source)),\
            "received":\(JSONText.quote(timestamp(record.receivedAt))),"deliveries":[\(deliveries.joined(separator: ","))]}
            """
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp(_ millis: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        return date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted)) 
    }
}
