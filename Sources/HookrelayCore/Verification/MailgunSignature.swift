import COpenSSL

/// Mailgun's webhook signature: lowercase hex HMAC-SHA256(key, timestamp ‖ token).
public enum MailgunSignature {
    /// The hex signature of `timestamp` and `token` under `key`.
    public static func sign(key: [UInt8], timestamp: String, token: String) -> String {
        HexEncoding.encode(HMACSHA256.authenticationCode(key: key, message: signedBytes(timestamp: timestamp, token: token)))
    }

    /// True when `signature` (hex, either case) is the signature of `timestamp` and `token` under
    /// any of `keys`. Compares decoded bytes in constant time; text that is not hex is false.
    /// Does not judge freshness: `SourceVerifier` does that after the signature holds.
    public static func verify(keys: [[UInt8]], timestamp: String, token: String, signature: String) -> Bool {
        guard let given = HexEncoding.decode(signature), given.count == HMACSHA256.byteCount else { return false }
        return HMACSHA256.anyKey(keys, message: signedBytes(timestamp: timestamp, token: token), matchesAnyOf: [given])
    }

    /// `{"timestamp":"…","token":"…","signature":"…"}`: the `signature` object of a Mailgun JSON event.
    public static func signatureBlockJSON(key: [UInt8], timestamp: String, token: String) -> String {
        let signature = sign(key: key, timestamp: timestamp, token: token)
        return "{\"timestamp\":" + JSONText.quote(timestamp) + ",\"token\":" + JSONText.quote(token)
            + ",\"signature\":" + JSONText.quote(signature) + "}"
    }

    /// A fresh token: 50 lowercase hex characters (25 random bytes from `RAND_bytes`).
    public static func randomToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 25)
        let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) } == 1
        if !ok {
            // libcrypto's generator unavailable: fall back to the system's CSPRNG.
            var generator = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = generator.next() }
        }
        return HexEncoding.encode(bytes)
    }

    static func signedBytes(timestamp: String, token: String) -> [UInt8] {
        var message = [UInt8]()
        message.reserveCapacity(timestamp.utf8.count + token.utf8.count)
        message.append(contentsOf: timestamp.utf8)
        message.append(contentsOf: token.utf8)
        return message
    }
}
