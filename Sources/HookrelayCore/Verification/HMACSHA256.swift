import COpenSSL

/// HMAC-SHA256 (RFC 2104) through libcrypto's one-shot `HMAC()`: the MAC every signing scheme here uses.
public enum HMACSHA256 {
    /// Length in bytes of an HMAC-SHA256 authentication code.
    public static let byteCount = 32

    /// The 32-byte HMAC-SHA256 of `message` under `key` (any key length, empty allowed).
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        // A zero byte stands in for an empty buffer so libcrypto never sees a NULL pointer.
        var zero: UInt8 = 0
        return key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                withUnsafeMutablePointer(to: &zero) { zeroPointer in
                    [UInt8](unsafeUninitializedCapacity: byteCount) { output, initialized in
                        var length: UInt32 = 0
                        let keyPointer = UnsafeRawPointer(keyBuffer.baseAddress ?? UnsafePointer(zeroPointer))
                        let messagePointer = messageBuffer.baseAddress ?? UnsafePointer(zeroPointer)
                        let result = HMAC(
                            EVP_sha256(),
                            keyPointer, Int32(clamping: keyBuffer.count),
                            messagePointer, messageBuffer.count,
                            output.baseAddress, &length
                        )
                        // HMAC() only fails on allocation failure or an unusable digest; neither is recoverable.
                        precondition(result != nil && length == UInt32(byteCount), "HMAC-SHA256 failed in libcrypto")
                        initialized = byteCount
                    }
                }
            }
        }
    }
}

extension HMACSHA256 {
    /// True when the MAC of `message` under any of `keys` equals any of `candidates` (constant-time compares).
    static func anyKey(_ keys: [[UInt8]], message: [UInt8], matchesAnyOf candidates: [[UInt8]]) -> Bool {
        guard !candidates.isEmpty else { return false }
        for key in keys {
            let expected = authenticationCode(key: key, message: message)
            for candidate in candidates where ConstantTime.equals(expected, candidate) { return true }
        }
        return false
    }

    /// `prefix ‖ body` in one buffer, for the schemes that sign a string built around the body.
    static func concatenate(_ prefix: String, _ body: [UInt8]) -> [UInt8] {
        var message = [UInt8]()
        message.reserveCapacity(prefix.utf8.count + body.count)
        message.append(contentsOf: prefix.utf8)
        message.append(contentsOf: body)
        return message
    }
}
