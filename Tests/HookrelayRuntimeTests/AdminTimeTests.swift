import HookrelayRuntime
import Testing

/// `AdminTime`: the RFC 3339 times the admin API and commands write, and every `since` form
/// they read (SPEC §7), pinned value by value.
@Suite("Admin time")
struct AdminTimeTests {
    static let may1 = Int64(1_714_521_600_000)  // 2024-05-01T00:00:00Z
    static let may1Noon = may1 + 12 * 3_600_000

    static let written: [(millis: Int64, rfc3339: String, seconds: String)] = [
        (0, "1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00Z"),
        (1, "1970-01-01T00:00:00.001Z", "1970-01-01T00:00:00Z"),
        (may1Noon + 123, "2024-05-01T12:00:00.123Z", "2024-05-01T12:00:00Z"),
        (may1Noon + 999, "2024-05-01T12:00:00.999Z", "2024-05-01T12:00:00Z"),
        (1_709_164_800_000 + 86_399_999, "2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59Z"),
        (-1, "1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59Z"),
        (-86_400_001, "1969-12-30T23:59:59.999Z", "1969-12-30T23:59:59Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59Z"),
        // The largest `since` in Unix seconds (12 digits): a five-digit year, as it is.
        (999_999_999_999_000, "33658-09-27T01:46:39.000Z", "33658-09-27T01:46:39Z"),
    ]

    @Test("RFC 3339 out, with and without milliseconds", arguments: written)
    func writes(millis: Int64, rfc3339: String, seconds: String) {
        #expect(AdminTime.rfc3339(millis) == rfc3339)
        #expect(AdminTime.rfc3339Seconds(millis) == seconds)
    }

    @Test("every millisecond comes out exact (no binary fraction rounding it down)")
    func everyMillisecond() {
        for base in [Int64(0), Self.may1Noon, 4_102_444_800_000] {
            for offset in Int64(0)..<2000 {
                let millis: Int64 = base + offset
                let text: String = AdminTime.rfc3339(millis)
                let fraction: String = String(text.suffix(4).prefix(3))
                let expected: String = String(String(1000 + millis % 1000).dropFirst())
                #expect(fraction == expected, "\(millis): \(text)")
            }
        }
    }

    static let now = may1Noon + 777

    static let read: [(text: String, millis: Int64?)] = [
        // Durations back from now; longer than now is the start of time.
        ("1h", now - 3_600_000), ("90s", now - 90_000), ("15m", now - 900_000), ("7d", now - 7 * 86_400_000),
        ("  1h\t", now - 3_600_000), ("100000000h", 0),
        // Unix seconds, up to 12 digits.
        ("1714564800", may1Noon), ("0", 0), ("999999999999", 999_999_999_999_000), ("1234567890123", nil),
        // RFC 3339, and a bare date (midnight UTC).
        ("2024-05-01", may1), ("2024-05-01T12:00:00Z", may1Noon), ("2024-05-01t12:00:00z", may1Noon),
        ("2024-05-01 12:00:00Z", may1Noon), ("2024-05-01T12:00:00", may1Noon),
        ("2024-05-01T14:00:00+02:00", may1Noon), ("2024-05-01T10:30:00-01:30", may1Noon),
        // An offset's "+" decoded from a query string as a space.
        ("2024-05-01T14:00:00 02:00", may1Noon),
        ("2024-05-01T14:00:00.5+02:00", may1Noon + 500), ("2024-05-01T12:00:00.25Z", may1Noon + 250),
        ("2024-05-01T12:00:00.123456Z", may1Noon + 123), ("2024-05-01T12:00:00.1239", may1Noon + 123),
        // A leap second is the second before.
        ("2024-05-01T12:00:60Z", may1Noon + 59_000),
        ("2024-02-29", 1_709_164_800_000), ("2000-02-29T00:00:00Z", 951_782_400_000),
        // Refused.
        ("", nil), ("   ", nil), ("yesterday", nil), ("1y", nil), ("-5", nil), ("١٢", nil),
        ("2023-02-29", nil), ("1900-02-29", nil), ("2024-04-31", nil), ("2024-00-10", nil), ("2024-05-00", nil),
        ("2024-13-01T00:00:00Z", nil), ("2024-05-01T24:00:00Z", nil), ("2024-05-01T12:60:00Z", nil),
        ("2024-05-01T12:00:61Z", nil), ("2024-05-01T12:00:00.Z", nil), ("2024-05-01T12:00", nil),
        ("2024-5-1", nil), ("2024-05-01T12:00:00+0200", nil), ("2024-05-01T12:00:00+24:00", nil),
        ("2024-05-01T12:00:00+02:60", nil), ("2024-05-01T12:00:00Zjunk", nil), ("2024-05-01T12:00:00+02:00 ", may1Noon - 7_200_000),
        ("2024-05-01X12:00:00Z", nil), ("2024-05-01T", nil), ("24-05-01", nil), ("+2024-05-01", nil),
    ]

    @Test("since: a duration, Unix seconds or an RFC 3339 time; anything else is nil", arguments: read)
    func reads(text: String, millis: Int64?) {
        #expect(AdminTime.since(text, now: Self.now) == millis)
    }

    @Test("a time written is read back as the same instant")
    func roundTrip() {
        for millis in [Int64(0), Self.may1Noon + 123, 253_402_300_799_999] {
            #expect(AdminTime.since(AdminTime.rfc3339(millis), now: Self.now) == millis)
        }
    }

    @Test("ages for people")
    func ages() {
        #expect(AdminTime.age(millis: 45_999) == "45s")
        #expect(AdminTime.age(millis: 725_000) == "12m05s")
        #expect(AdminTime.age(millis: 12_000_000) == "3h20m")
        #expect(AdminTime.age(millis: 187_200_000) == "2d04h")
        #expect(AdminTime.age(millis: -5) == "0s")
    }
}
