/// Reads a `Retry-After` header value: delay-seconds only (an HTTP-date is left to the caller,
/// which libcurl already converts).
public enum RetryAfter {
    /// `"120"` → 120 s; nil for anything else. Capped at 24 h so a bad server cannot park a delivery forever.
    public static func parse(_ value: String) -> Duration? {
        let trimmed = value.trimmingCharacters(in: " \t")
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let seconds = Int64(trimmed.prefix(9)) else { return nil }
        return .seconds(min(seconds, 86_400))
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
