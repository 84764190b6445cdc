import Foundation
import HookrelayCore

/// Times as the operator's API and commands write and read them: RFC 3339 in UTC out;
/// `since` values in (a duration back from now, an RFC 3339 time, or Unix seconds).
public enum AdminTime {
    /// Unix milliseconds for a `since` value, or nil when it is none of the accepted forms:
    /// - a duration (`"90s"`, `"15m"`, `"1h"`, `"7d"`): that long before `now`;
    /// - an RFC 3339 time (`"2024-05-01T12:00:00Z"`, `"2024-05-01T14:00:00.5+02:00"`) or a
    ///   date (`"2024-05-01"`, midnight UTC); an offset's `+` decoded from a query string as a
    ///   space is taken as `+`;
    /// - Unix seconds (`"1714564800"`).
    public static func since(_ text: String, now: Int64) -> Int64? {
        let text = text.trimmingSpacesAround
        guard !text.isEmpty else { return nil }
        if let duration = ConfigValueParsing.duration(text) {
            let millis = duration.milliseconds
            return millis > now ? 0 : now - millis
        }
        if text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard text.utf8.count <= 12, let seconds = Int64(text) else { return nil }
            return seconds * 1000
        }
        return parseRFC3339(text)
    }

    /// The current time in Unix milliseconds.
    public static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// RFC 3339 UTC with milliseconds: `2024-05-01T12:00:00.123Z`.
    public static func rfc3339(_ millis: Int64) -> String {
        format(millis, fractional: true)
    }

    /// RFC 3339 UTC to the second: `2024-05-01T12:00:00Z` (tables).
    public static func rfc3339Seconds(_ millis: Int64) -> String {
        format(millis, fractional: false)
    }

    /// The UTC time of day to the minute, `14:05` (chart labels).
    public static func clock(_ millis: Int64) -> String {
        let minuteOfDay = ((millis / 60_000) % 1440 + 1440) % 1440
        return pad(minuteOfDay / 60, 2) + ":" + pad(minuteOfDay % 60, 2)
    }

    /// A short age for people: `45s`, `12m05s`, `3h20m`, `2d04h`.
    public static func age(millis: Int64) -> String {
        let seconds = max(0, millis / 1000)
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(pad(seconds % 60, 2))s" }
        if seconds < 86_400 { return "\(seconds / 3600)h\(pad(seconds % 3600 / 60, 2))m" }
        return "\(seconds / 86_400)d\(pad(seconds % 86_400 / 3600, 2))h"
    }

    // MARK: - Formatting

    /// Whole seconds in UTC (`2024-05-01T12:00:00Z`); a value type, made once and shared.
    private static let secondsStyle = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)

    /// Foundation writes the whole seconds; the milliseconds are appended from the integer, as a
    /// `Date` holds a binary fraction (`.123` reads back as `.12299…`, which Foundation would
    /// write as `.122`, and before 1970 as one millisecond off the other way).
    private static func format(_ millis: Int64, fractional: Bool) -> String {
        let seconds = millis / 1000 - (millis % 1000 < 0 ? 1 : 0)
        let text = Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(secondsStyle)
        guard fractional else { return text }
        let fraction = millis - seconds * 1000
        return text.dropLast() + "." + pad(fraction, 3) + "Z"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    // MARK: - Parsing

    /// Unix ms of an RFC 3339 time: `YYYY-MM-DD`, or `YYYY-MM-DD(T|t| )HH:MM:SS[.fff…][Z|z|±HH:MM]`
    /// (no offset = UTC; a space for the offset's `+`, as a query string decodes it), ASCII digits.
    /// The pattern takes the shape; Foundation checks the values and does the calendar: a time it
    /// would roll over (February 30th, 24:00) does not read back as written and is refused. A leap
    /// second (`:60`) counts as `:59`; digits past the milliseconds are dropped.
    static func parseRFC3339(_ text: String) -> Int64? {
        let pattern = /([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:[Zz]|([+ -])([0-9]{2}):([0-9]{2}))?)?/
        guard let match = text.wholeMatch(of: pattern) else { return nil }
        let (_, date, hour, minute, second, fraction, sign, offsetHours, offsetMinutes) = match.output
        var canonical = "\(date)T00:00:00Z"
        if let hour, let minute, let second {
            canonical = "\(date)T\(hour):\(minute):\(second == "60" ? "59" : second)Z"
        }
        guard let instant = try? secondsStyle.parse(canonical), instant.formatted(secondsStyle) == canonical else { return nil }
        var millis = Int64(instant.timeIntervalSince1970) * 1000
        if let fraction {
            millis += Int64((fraction + "00").prefix(3))!
        }
        if let sign, let offsetHours, let offsetMinutes {
            guard let hours = Int64(offsetHours), let minutes = Int64(offsetMinutes), hours < 24, minutes < 60 else { return nil }
            let offset: Int64 = (hours * 60 + minutes) * 60_000
            millis += sign == "-" ? offset : -offset
        }
        return millis
    }
}

extension String {
    var trimmingSpacesAround: String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" { scalars.removeFirst() }
        while scalars.last == " " || scalars.last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
