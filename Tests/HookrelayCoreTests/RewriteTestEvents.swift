import Foundation
import Testing
@testable import HookrelayCore

/// Mailgun events and destinations for the rewrite, redaction, template and signing tests.
enum RewriteTestEvents {
    /// A Mailgun JSON event of `type` with every PII field the redaction table names.
    static func json(type: String, id: String = "evt-1", recipient: String = "alice@example.com", reason: String = "bounce") -> [UInt8] {
        let event: [String: Any] = [
            "signature": ["timestamp": "1701388800", "token": "original-token", "signature": "original-signature"],
            "event-data": [
                "id": id,
                "event": type,
                "timestamp": 1701388800.123,
                "recipient": recipient,
                "ip": "203.0.113.7",
                "reason": reason,
                "envelope": ["sender": "bob@mg.example.com", "targets": recipient],
                "message": ["headers": ["message-id": "20240101.abc@mg.example.com", "to": recipient, "from": "bob@mg.example.com", "subject": "Hi"]],
                "delivery-status": ["code": 550, "message": "User \"unknown\"\nnot found"],
                "user-variables": ["customer": "c-42"],
                "tags": ["newsletter", "december"],
            ],
        ]
        return Array(try! JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]))
    }

    /// The body parsed by Foundation, for checking that output is JSON any consumer reads.
    static func foundationObject(_ body: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }

    static func destination(
        rewrite: RewriteMode, template: String? = nil, redact: Bool = false, sign: SigningScheme? = nil, signKey: String? = nil
    ) -> DestinationConfig {
        DestinationConfig(name: "partner", url: "http://127.0.0.1:1/hook", rewrite: rewrite, template: template, redact: redact, sign: sign, signKey: signKey)
    }

    static func header(_ request: OutboundRequest, _ name: String) -> String? {
        request.headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}
