import Foundation
import HookrelayCore

/// Builds validly signed Mailgun webhook requests, in the JSON shape and the legacy form shape.
public struct MailgunEventFactory: Sendable {
    public let key: String
    public let path: String

    public init(key: String, path: String = "/webhooks/mailgun") {
        self.key = key
        self.path = path
    }

    /// A JSON event (`{"signature":…,"event-data":…}`) signed now unless told otherwise.
    public func json(
        id: String? = nil, event: String = "delivered", recipient: String = "alice@example.com",
        domain: String = "mg.example.com", timestamp: Int64? = nil, token: String? = nil, signatureKey: String? = nil
    ) -> TestRequest {
        let id = id ?? UUID().uuidString
        let timestamp = String(timestamp ?? Int64(Date().timeIntervalSince1970))
        let token = token ?? MailgunSignature.randomToken()
        let signature = MailgunSignature.sign(key: Array((signatureKey ?? key).utf8), timestamp: timestamp, token: token)
        let body = """
            {"signature":{"timestamp":"\(timestamp)","token":"\(token)","signature":"\(signature)"},\
            "event-data":{"id":"\(id)","event":"\(event)","timestamp":\(timestamp).123,"recipient":"\(recipient)",\
            "envelope":{"sender":"bob@\(domain)","targets":"\(recipient)"},\
            "message":{"headers":{"message-id":"20240101.abc@\(domain)","to":"\(recipient)","from":"bob@\(domain)","subject":"Hi"}},\
            "delivery-status":{"code":250,"message":"OK"}}}
            """
        return .json(path, Array(body.utf8))
    }

    /// A legacy form-urlencoded event (no id: the token identifies it).
    public func legacyForm(event: String = "delivered", recipient: String = "alice@example.com", domain: String = "mg.example.com", token: String? = nil) -> TestRequest {
        let timestamp = String(Int64(Date().timeIntervalSince1970))
        let token = token ?? MailgunSignature.randomToken()
        let signature = MailgunSignature.sign(key: Array(key.utf8), timestamp: timestamp, token: token)
        let headers = #"[["Message-Id", "<20240101.abc@\#(domain)>"], ["To", "\#(recipient)"]]"#
        let fields = [
            ("event", event), ("recipient", recipient), ("domain", domain), ("message-headers", headers),
            ("timestamp", timestamp), ("token", token), ("signature", signature),
        ]
        let body = fields.map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
        return TestRequest(path: path, headers: [HeaderField(name: "Content-Type", value: "application/x-www-form-urlencoded")], body: Array(body.utf8))
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: "%20", with: "+")
    }
}
