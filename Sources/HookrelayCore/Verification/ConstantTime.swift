import COpenSSL

/// Comparison of secret-dependent bytes (signatures, MACs) in time independent of their contents.
public enum ConstantTime {
    /// True when `a` and `b` hold the same bytes. Different lengths are unequal at once (a length is
    /// not secret); equal lengths are compared in full with `CRYPTO_memcmp`, without an early exit.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in
                CRYPTO_memcmp(x.baseAddress, y.baseAddress, x.count) == 0
            }
        }
    }
}
