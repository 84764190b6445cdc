/// A realistic, validly signed Mailgun event, like the one Mailgun's "test webhook" button
/// sends: for `hookrelay test` and the benchmark.
public enum SampleEvent {
    /// Event types a sample can be made for.
    public static let types = ["accepted", "delivered", "opened", "clicked", "unsubscribed", "complained", "failed"]

    /// The JSON body of a sample `type` event, signed with `key` at `timestamp` (Unix seconds).
    public static func mailgunJSON(type: String, id: String, key: [UInt8], timestamp: Int64, token: String, domain: String = "mg.example.com") -> String {
        let signature = MailgunSignature.sign(key: key, timestamp: String(timestamp), token: token)
        var extra = ""
        switch type {
        case "failed":
            extra = #","severity":"permanent","reason":"bounce","delivery-status":{"code":550,"message":"5.1.1 The email account that you tried to reach does not exist.","description":""}"#
        case "opened", "clicked", "complained", "unsubscribed":
            extra = #","ip":"203.0.113.7","geolocation":{"country":"US","region":"CA","city":"San Francisco"},"client-info":{"client-type":"browser","client-os":"Linux","device-type":"desktop","client-name":"Firefox","user-agent":"Mozilla/5.0"}"#
            if type == "clicked" { extra += #","url":"https://example.com/offer""# }
        default:
            extra = #","delivery-status":{"code":250,"message":"OK","description":""}"#
        }
        return """
            {"signature":{"timestamp":"\(timestamp)","token":"\(token)","signature":"\(signature)"},\
            "event-data":{"id":\(JSONText.quote(id)),"event":\(JSONText.quote(type)),"timestamp":\(timestamp).0,\
            "recipient":"alice@example.com","tags":["sample"],"user-variables":{"customer":"42"},\
            "envelope":{"sender":"postmaster@\(domain)","targets":"alice@example.com","transport":"smtp"},\
            "message":{"headers":{"message-id":"20261124.sample@\(domain)","to":"Alice <alice@example.com>",\
            "from":"Bob <bob@\(domain)>","subject":"Sample event from hookrelay"}}\(extra)}}
            """
    }
}
