/// What counts as a loopback host (SPEC §11): an IPv4 literal in 127.0.0.0/8, the IPv6 literal
/// `::1` (in any of its spellings), or the name `localhost`. Any other name is not, even one that
/// starts with `127.` (`127.evil.example` resolves wherever its owner wants).
public enum LoopbackHost {
    /// `host` without brackets or port.
    public static func isLoopback(_ host: String) -> Bool {
        if host.utf8.count == 9, host.lowercased() == "localhost" { return true }
        if let octets = ipv4Octets(host) { return octets[0] == 127 }
        if let words = ipv6Words(host) { return words == [0, 0, 0, 0, 0, 0, 0, 1] }
        return false
    }

    /// The four octets of a dotted-quad literal (`127.0.0.1`), nil for anything else.
    public static func ipv4Octets(_ text: some StringProtocol) -> [UInt8]? {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            let value = part.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard value <= 255 else { return nil }
            octets.append(UInt8(value))
        }
        return octets
    }

    /// The eight 16-bit words of an IPv6 literal (`::1`, `0:0:0:0:0:0:0:1`, with one `::`),
    /// nil for anything else. An embedded IPv4 tail (`::ffff:127.0.0.1`) is not loopback in
    /// SPEC's sense and is read as not an address.
    public static func ipv6Words(_ text: some StringProtocol) -> [UInt16]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8.count <= 39 else { return nil }
        func words(_ bytes: ArraySlice<UInt8>) -> [UInt16]? {
            if bytes.isEmpty { return [] }
            var result: [UInt16] = []
            for group in bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count) else { return nil }
                var value: UInt16 = 0
                for byte in group {
                    guard let digit = hexValue(byte) else { return nil }
                    value = value << 4 | UInt16(digit)
                }
                result.append(value)
            }
            return result
        }
        if let gap = (0..<(utf8.count - 1)).first(where: { utf8[$0] == UInt8(ascii: ":") && utf8[$0 + 1] == UInt8(ascii: ":") }) {
            guard let head = words(utf8[..<gap]), let tail = words(utf8[(gap + 2)...]), head.count + tail.count < 8 else { return nil }
            return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard let all = words(utf8[...]), all.count == 8 else { return nil }
        return all
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x61...0x66: return byte - 0x61 + 10
        case 0x41...0x46: return byte - 0x41 + 10
        default: return nil
        }
    }
}
