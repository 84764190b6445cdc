import Testing
@testable import HookrelayCore

// Known-answer vectors, each computed with Python's hmac/hashlib/base64 (the command is next to it).
// Where a vendor documents an example, that example is used too (and Python agrees with it).

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct SignaturePrimitivesTests {
    @Test func hmacOfEmptyKeyAndMessage() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"",b"",hashlib.sha256).hexdigest())'
        let mac = HMACSHA256.authenticationCode(key: [], message: [])
        #expect(HexEncoding.encode(mac) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func hexAndBase64RoundTrip() {
        // python3 -c 'print(bytes([0,1,0x7f,0x80,0xfe,0xff]).hex(), __import__("base64").b64encode(bytes([0,1,0x7f,0x80,0xfe,0xff])).decode())'
        let raw: [UInt8] = [0, 1, 0x7f, 0x80, 0xfe, 0xff]
        #expect(HexEncoding.encode(raw) == "00017f80feff")
        #expect(HexEncoding.decode("00017F80FEFF") == raw)
        #expect(HexEncoding.decode("00017f80fef") == nil)
        #expect(HexEncoding.decode("zz") == nil)
        #expect(Base64Encoding.encode(raw) == "AAF/gP7/")
        #expect(Base64Encoding.decode("AAF/gP7/") == raw)
        #expect(Base64Encoding.decode("AAE") == [0, 1])  // padding tolerated when missing
        #expect(Base64Encoding.decode("A") == nil)
        #expect(Base64Encoding.decode("!!!!") == nil)
    }

    /// Foundation on Linux reads some malformed base64 ("====" as a zero byte): the decoder refuses it first.
    @Test("Base64Encoding.decode is strict: padding only at the end and fitting the length", arguments: [
        "====", "AA=A", "QUJD====", "QUJD=", "A", "AA=", "QU JD", "QUJD\n", "-_AA",
    ])
    func base64Strict(_ text: String) {
        #expect(Base64Encoding.decode(text) == nil)
        #expect(Base64Encoding.problem(in: text) != nil)
    }

    @Test func base64RoundTrip() {
        for count in 0...40 {
            let data = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let encoded = Base64Encoding.encode(data)
            #expect(Base64Encoding.problem(in: encoded) == nil)
            #expect(Base64Encoding.decode(encoded) == data)
            // Without its padding too.
            #expect(Base64Encoding.decode(String(encoded.prefix { $0 != "=" })) == data)
        }
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equals([], []))
    }
}

@Suite struct SignatureMailgunTests {
    static let key = bytes("key-3ax6xnjp29jd6fds4gc373sgvjxteol0")
    static let rotated = bytes("key-rotated-0000000000000000000000")
    static let token = "8f1e2c3d4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1"
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"key-3ax6xnjp29jd6fds4gc373sgvjxteol0",b"1701388800"+b"8f1e2c3d4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1",hashlib.sha256).hexdigest())'
    static let signature = "dc284123c19b82f436f153e1c036632a5c6fb33221e175957a33a679fd2c91fa"
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"key-rotated-0000000000000000000000",b"1701388800"+b"8f1e2c3d4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1",hashlib.sha256).hexdigest())'
    static let rotatedSignature = "82798ca129dbfbf85f858240b779278190bb7fdccea69427c6ffcdcc2f697edd"

    @Test func signMatchesPython() {
        #expect(MailgunSignature.sign(key: Self.key, timestamp: "1701388800", token: Self.token) == Self.signature)
        #expect(MailgunSignature.sign(key: Self.rotated, timestamp: "1701388800", token: Self.token) == Self.rotatedSignature)
    }

    @Test func verifyValidTamperedWrongKeyRotated() {
        #expect(MailgunSignature.verify(keys: [Self.key], timestamp: "1701388800", token: Self.token, signature: Self.signature))
        #expect(MailgunSignature.verify(keys: [Self.key], timestamp: "1701388800", token: Self.token, signature: Self.signature.uppercased()))
        // Tampered token / timestamp.
        #expect(!MailgunSignature.verify(keys: [Self.key], timestamp: "1701388800", token: "9" + Self.token.dropFirst(), signature: Self.signature))
        #expect(!MailgunSignature.verify(keys: [Self.key], timestamp: "1701388801", token: Self.token, signature: Self.signature))
        // Wrong key.
        #expect(!MailgunSignature.verify(keys: [bytes("key-wrong")], timestamp: "1701388800", token: Self.token, signature: Self.signature))
        // Rotation: the second key matches.
        #expect(MailgunSignature.verify(keys: [bytes("key-old"), Self.rotated], timestamp: "1701388800", token: Self.token, signature: Self.rotatedSignature))
        // Not hex, truncated, empty key list.
        #expect(!MailgunSignature.verify(keys: [Self.key], timestamp: "1701388800", token: Self.token, signature: "zz" + Self.signature.dropFirst(2)))
        #expect(!MailgunSignature.verify(keys: [Self.key], timestamp: "1701388800", token: Self.token, signature: String(Self.signature.dropLast(2))))
        #expect(!MailgunSignature.verify(keys: [], timestamp: "1701388800", token: Self.token, signature: Self.signature))
    }

    @Test func signatureBlockAndRandomToken() {
        let block = MailgunSignature.signatureBlockJSON(key: Self.key, timestamp: "1701388800", token: Self.token)
        #expect(block == "{\"timestamp\":\"1701388800\",\"token\":\"\(Self.token)\",\"signature\":\"\(Self.signature)\"}")
        #expect(MailgunSignature.signatureBlockJSON(key: Self.key, timestamp: "1", token: "a\"b").contains("\"token\":\"a\\\"b\""))
        let a = MailgunSignature.randomToken(), b = MailgunSignature.randomToken()
        #expect(a.count == 50 && b.count == 50 && a != b)
        #expect(a.allSatisfy { "0123456789abcdef".contains($0) })
    }
}

@Suite struct SignatureStandardWebhooksTests {
    static let secretText = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_2Lh9KRb0pRtGA2VO2Zd9n8w7tRk"
    static let body = bytes(#"{"type":"invoice.paid","data":{"id":"in_123","amount":4200}}"#)
    // python3 -c 'import hmac,hashlib,base64;k=base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");print("v1,"+base64.b64encode(hmac.new(k,b"msg_2Lh9KRb0pRtGA2VO2Zd9n8w7tRk.1701388800.{\"type\":\"invoice.paid\",\"data\":{\"id\":\"in_123\",\"amount\":4200}}",hashlib.sha256).digest()).decode())'
    static let signature = "v1,85s+VkWH3mOT7srJpFytSt49bXgjXelGnwRohWG+w84="
    // python3 -c 'import hmac,hashlib,base64;print("v1,"+base64.b64encode(hmac.new(b"plain-secret-rotated",b"msg_2Lh9KRb0pRtGA2VO2Zd9n8w7tRk.1701388800.{\"type\":\"invoice.paid\",\"data\":{\"id\":\"in_123\",\"amount\":4200}}",hashlib.sha256).digest()).decode())'
    static let rawSecretSignature = "v1,MMZLXNQmsMAz8XLIRKYd/D0Om70SZ3LHoINTe3qZNQ8="

    static var secret: [UInt8] { StandardWebhooksSignature.decodeSecret(secretText)! }

    @Test func specificationExample() throws {
        // The example of the Standard Webhooks specification; Python agrees:
        // python3 -c 'import hmac,hashlib,base64;k=base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");print("v1,"+base64.b64encode(hmac.new(k,b"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}",hashlib.sha256).digest()).decode())'
        let secret = try #require(StandardWebhooksSignature.decodeSecret(Self.secretText))
        #expect(secret.count == 24)
        let signature = StandardWebhooksSignature.sign(secret: secret, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330", body: bytes(#"{"test": 2432232314}"#))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func decodeSecret() {
        #expect(StandardWebhooksSignature.decodeSecret("plain-secret-rotated") == bytes("plain-secret-rotated"))
        #expect(StandardWebhooksSignature.decodeSecret("whsec_!!!not base64") == nil)
        #expect(StandardWebhooksSignature.decodeSecret("whsec_") == nil)
        #expect(StandardWebhooksSignature.decodeSecret("") == nil)
        // Missing "=" padding is tolerated, as Base64Encoding does.
        #expect(StandardWebhooksSignature.decodeSecret("whsec_QUJD") == bytes("ABC"))
        #expect(StandardWebhooksSignature.decodeSecret("whsec_QUI") == bytes("AB"))
        #expect(StandardWebhooksSignature.decodeSecret("whsec_QUI=") == bytes("AB"))
        #expect(StandardWebhooksSignature.decodeSecret("whsec_QQ==") == bytes("A"))
    }

    /// Secrets the signer, the verifier and the config loader cannot use, and why (never quoting the secret).
    @Test("secretBytes refuses unusable secrets with a reason", arguments: [
        ("", "the secret is empty"),
        ("whsec_", "nothing follows \"whsec_\""),
        ("whsec_not base64!", "invalid base64 after \"whsec_\": character 4 is whitespace"),
        ("whsec_abc!def", "character 4 is not a base64 character"),
        ("whsec_MfKQ9r8G_KYq", "character 9 is not a base64 character"),
        ("whsec_QUJDR", "its length is not base64"),
        ("whsec_QU=JD", "character 4 follows \"=\" padding"),
        ("whsec_QUJD=", "its \"=\" padding does not fit its length"),
        ("whsec_==", "its \"=\" padding does not fit its length"),
        ("whsec_====", "it ends in more than two \"=\""),
        ("whsec_QUJD====", "it ends in more than two \"=\""),
    ])
    func secretBytesRefuses(_ secret: String, _ reason: String) {
        do {
            let key = try StandardWebhooksSignature.secretBytes(secret)
            Issue.record("\(secret) decoded to \(key.count) bytes")
        } catch {
            #expect(error.reason.contains(reason), "\(error)")
            if secret.count > 6 { #expect(!error.reason.contains(secret.dropFirst(6)), "\(error)") }
        }
    }

    @Test func signMatchesPython() {
        #expect(StandardWebhooksSignature.sign(secret: Self.secret, id: Self.id, timestamp: "1701388800", body: Self.body) == Self.signature)
        #expect(StandardWebhooksSignature.sign(secret: bytes("plain-secret-rotated"), id: Self.id, timestamp: "1701388800", body: Self.body) == Self.rawSecretSignature)
    }

    @Test func verifyCases() {
        func verify(_ secrets: [[UInt8]], body: [UInt8] = Self.body, id: String = Self.id, header: String) -> Bool {
            StandardWebhooksSignature.verify(secrets: secrets, id: id, timestamp: "1701388800", body: body, signatureHeader: header)
        }
        #expect(verify([Self.secret], header: Self.signature))
        // Tampered body and id.
        #expect(!verify([Self.secret], body: Self.body.dropLast() + [UInt8(ascii: " ")], header: Self.signature))
        #expect(!verify([Self.secret], id: "msg_other", header: Self.signature))
        // Wrong key; rotation (second secret matches).
        #expect(!verify([bytes("wrong")], header: Self.signature))
        #expect(verify([bytes("old"), bytes("plain-secret-rotated")], header: Self.rawSecretSignature))
        // Several signatures in one header, one valid; other versions ignored.
        let several = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1a,ignored " + Self.signature + " v2,whatever"
        #expect(verify([Self.secret], header: several))
        // The right MAC under another version label is not a v1 signature.
        #expect(!verify([Self.secret], header: "v1a," + Self.signature.dropFirst(3)))
        #expect(!verify([Self.secret], header: ""))
    }
}

@Suite struct SignatureOtherSchemesTests {
    @Test func gitHubDocumentedExample() {
        // GitHub's documentation example; Python agrees:
        // python3 -c 'import hmac,hashlib;print("sha256="+hmac.new(b"It'"'"'s a Secret to Everybody",b"Hello, World!",hashlib.sha256).hexdigest())'
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        #expect(GitHubSignature.sign(key: bytes("It's a Secret to Everybody"), body: bytes("Hello, World!")) == expected)
        #expect(GitHubSignature.verify(keys: [bytes("It's a Secret to Everybody")], body: bytes("Hello, World!"), signatureHeader: expected))
    }

    @Test func gitHubVerify() {
        let body = bytes(#"{"action":"opened","number":7}"#)
        // python3 -c 'import hmac,hashlib;print("sha256="+hmac.new(b"gh-secret",b"{\"action\":\"opened\",\"number\":7}",hashlib.sha256).hexdigest())'
        let header = "sha256=bb2edcbe2d7c0b180ff67236e69728ef78190e3fd406e9d05e81bf4d4c948b3b"
        #expect(GitHubSignature.verify(keys: [bytes("gh-secret")], body: body, signatureHeader: header))
        #expect(GitHubSignature.verify(keys: [bytes("old"), bytes("gh-secret")], body: body, signatureHeader: header))
        #expect(!GitHubSignature.verify(keys: [bytes("wrong")], body: body, signatureHeader: header))
        #expect(!GitHubSignature.verify(keys: [bytes("gh-secret")], body: body + [0x20], signatureHeader: header))
        #expect(!GitHubSignature.verify(keys: [bytes("gh-secret")], body: body, signatureHeader: String(header.dropFirst(7))))
    }

    static let stripeBody = bytes(#"{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"payment_intent.succeeded"}"#)
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test_stripe",b"1701388800."+b"{\"id\":\"evt_1NG8Du2eZvKYlo2CUI79vXWy\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\"}",hashlib.sha256).hexdigest())'
    static let stripeMAC = "9b97a24dc3da5fef0239126e9612a988cb2c882a84ab0309445cc0bb95e072e7"

    @Test func stripe() {
        let key = bytes("whsec_test_stripe")  // Stripe secrets are used as text, prefix included.
        #expect(StripeSignature.sign(key: key, timestamp: "1701388800", body: Self.stripeBody) == "t=1701388800,v1=\(Self.stripeMAC)")
        let header = "t=1701388800,v1=\(String(repeating: "0", count: 64)),v1=\(Self.stripeMAC),v0=deadbeef"
        #expect(StripeSignature.timestamp(in: header) == "1701388800")
        #expect(StripeSignature.verify(keys: [key], body: Self.stripeBody, signatureHeader: header))
        #expect(StripeSignature.verify(keys: [bytes("old"), key], body: Self.stripeBody, signatureHeader: header))
        #expect(!StripeSignature.verify(keys: [bytes("wrong")], body: Self.stripeBody, signatureHeader: header))
        #expect(!StripeSignature.verify(keys: [key], body: Self.stripeBody + [0x20], signatureHeader: header))
        #expect(!StripeSignature.verify(keys: [key], body: Self.stripeBody, signatureHeader: "t=1701388801,v1=\(Self.stripeMAC)"))
        #expect(!StripeSignature.verify(keys: [key], body: Self.stripeBody, signatureHeader: "v1=\(Self.stripeMAC)"))
    }

    @Test func slackDocumentedExample() {
        // Slack's documentation example; Python agrees:
        // python3 -c 'import hmac,hashlib;print("v0="+hmac.new(b"8f742231b10e8888abcd99yyyzzz85a5",b"v0:1531420618:token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",hashlib.sha256).hexdigest())'
        let body = bytes("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
        let key = bytes("8f742231b10e8888abcd99yyyzzz85a5")
        let expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        #expect(SlackSignature.sign(key: key, timestamp: "1531420618", body: body) == expected)
        #expect(SlackSignature.verify(keys: [key], timestamp: "1531420618", body: body, signature: expected))
        #expect(SlackSignature.verify(keys: [bytes("old"), key], timestamp: "1531420618", body: body, signature: expected))
        #expect(!SlackSignature.verify(keys: [key], timestamp: "1531420619", body: body, signature: expected))
        #expect(!SlackSignature.verify(keys: [key], timestamp: "1531420618", body: body + [0x26], signature: expected))
        #expect(!SlackSignature.verify(keys: [bytes("wrong")], timestamp: "1531420618", body: body, signature: expected))
    }

    @Test func hmacHeader() {
        let body = bytes(#"{"event_id":"ev_42","kind":"order.created"}"#)
        let key = bytes("hmac-header-key")
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"hmac-header-key",b"{\"event_id\":\"ev_42\",\"kind\":\"order.created\"}",hashlib.sha256).hexdigest())'
        let hex = "c170da49cd43c46f242c85cdb3802e07ca5e211311801b89892017bfb18eb40a"
        // python3 -c 'import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b"hmac-header-key",b"{\"event_id\":\"ev_42\",\"kind\":\"order.created\"}",hashlib.sha256).digest()).decode())'
        let base64 = "wXDaSc1DxG8kLIXNs4AuB8peIRMRgBuJiSAXv7GOtAo="
        #expect(HMACHeaderSignature.sign(key: key, body: body, encoding: .hex) == hex)
        #expect(HMACHeaderSignature.sign(key: key, body: body, encoding: .base64) == base64)
        #expect(HMACHeaderSignature.verify(keys: [key], body: body, signature: hex, encoding: .hex))
        #expect(HMACHeaderSignature.verify(keys: [key], body: body, signature: "sha256=" + hex, encoding: .hex))
        #expect(HMACHeaderSignature.verify(keys: [key], body: body, signature: "sha256=" + base64, encoding: .base64))
        #expect(HMACHeaderSignature.verify(keys: [bytes("old"), key], body: body, signature: base64, encoding: .base64))
        #expect(!HMACHeaderSignature.verify(keys: [key], body: body, signature: hex, encoding: .base64))
        #expect(!HMACHeaderSignature.verify(keys: [bytes("wrong")], body: body, signature: hex, encoding: .hex))
        #expect(!HMACHeaderSignature.verify(keys: [key], body: body + [0x20], signature: hex, encoding: .hex))
    }
}
