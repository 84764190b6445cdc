/// Parses the durations and sizes of relay.conf.
public enum ConfigValueParsing {
    /// `"250ms"`, `"10s"`, `"15m"`, `"4h"`, `"30d"`; nil for anything else (no bare numbers, no negatives).
    public static func duration(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, millis) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "ms" must not be read as "m" followed by garbage, and "5m" must not match "ms".
            guard !number.isEmpty, number.allSatisfy(\.isASCIIDigit), let n = Int64(number),
                  n <= Int64.max / millis else { continue }
            return .milliseconds(n * millis)
        }
        return nil
    }

    /// `"512"`, `"64KiB"`, `"10MiB"`, `"1GiB"` (also `KB`/`MB`/`GB` as powers of 1000); nil otherwise.
    public static func byteSize(_ text: String) -> Int? {
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy(\.isASCIIDigit), let n = Int(number), n <= Int.max / factor else { continue }
            return n * factor
        }
        if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) { return Int(text) }
        return nil
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension Duration {
    /// Whole milliseconds, for storage and arithmetic on timestamps.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
