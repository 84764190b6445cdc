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

    /// A short age for people: `45s`, `12m05s`, `3h20m`, `2d04h`.
    public static func age(millis: Int64) -> String {
        let seconds = max(0, millis / 1000)
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(pad(seconds % 60, 2))s" }
        if seconds < 86_400 { return "\(seconds / 3600)h\(pad(seconds % 3600 / 60, 2))m" }
        return "\(seconds / 86_400)d\(pad(seconds % 86_400 / 3600, 2))h"
    }

    // MARK: - Formatting

    private static func format(_ millis: Int64, fractional: Bool) -> String {
        let days = floorDivide(millis, 86_400_000)
        let inDay = millis - days * 86_400_000
        let (year, month, day) = civil(fromDays: days)
        let seconds = inDay / 1000
        var out = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds % 3600 / 60, 2)):\(pad(seconds % 60, 2))"
        if fractional { out += ".\(pad(inDay % 1000, 3))" }
        return out + "Z"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    // MARK: - Parsing

    /// `YYYY-MM-DD`, or `YYYY-MM-DD(T|t| )HH:MM:SS[.fff…][Z|z|±HH:MM]` (no offset = UTC).
    static func parseRFC3339(_ text: String) -> Int64? {
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.number(4), scanner.take("-"), let month = scanner.number(2), scanner.take("-"),
              let day = scanner.number(2), (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        let midnight = days(year: year, month: month, day: day) * 86_400_000
        if scanner.atEnd { return midnight }
        guard scanner.take("T") || scanner.take("t") || scanner.take(" "),
              let hour = scanner.number(2), scanner.take(":"), let minute = scanner.number(2), scanner.take(":"),
              let second = scanner.number(2), hour < 24, minute < 60, second <= 60
        else { return nil }
        var millis = midnight + (hour * 3600 + minute * 60 + min(second, 59)) * 1000
        if scanner.take(".") {
            var digits = 0
            var fraction: Int64 = 0
            while let digit = scanner.digit() {
                if digits < 3 { fraction = fraction * 10 + digit }
                digits += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 {
                for _ in digits..<3 { fraction *= 10 }
            }
            millis += fraction
        }
        if scanner.atEnd || scanner.take("Z") || scanner.take("z") {
            return scanner.atEnd ? millis : nil
        }
        let sign: Int64
        if scanner.take("+") || scanner.take(" ") {
            sign = 1
        } else if scanner.take("-") {
            sign = -1
        } else {
            return nil
        }
        guard let offsetHours = scanner.number(2), scanner.take(":"), let offsetMinutes = scanner.number(2),
              offsetHours < 24, offsetMinutes < 60, scanner.atEnd
        else { return nil }
        return millis - sign * (offsetHours * 60 + offsetMinutes) * 60_000
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(character.value) else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int64? {
            guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
            defer { index += 1 }
            return Int64(bytes[index] - 48)
        }

        /// Exactly `count` digits.
        mutating func number(_ count: Int) -> Int64? {
            let start = index
            var value: Int64 = 0
            for _ in 0..<count {
                guard let digit = digit() else {
                    index = start
                    return nil
                }
                value = value * 10 + digit
            }
            return value
        }
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
