/// Makes the request for one attempt of one delivery (SPEC §5): the body per the destination's
/// rewrite, the destination's extra headers, and on every request `User-Agent`,
/// `X-Hookrelay-Event-Id` and `X-Hookrelay-Attempt`.
public struct DeliveryRequestBuilder: Sendable {
    public let destination: DestinationConfig
    private let userAgent = "hookrelay/\(HookrelayVersion.current)"

    public init(destination: DestinationConfig) {
        self.destination = destination
    }

    /// The request for attempt number `attempt` (the first is 1) of event `eventID`, whose
    /// stored body and content type are given; `url` is the delivery's URL.
    public func request(url: String, eventID: String, attempt: Int, body: [UInt8], contentType: String) -> OutboundRequest {
        var headers: [HeaderField] = []
        headers.reserveCapacity(destination.headers.count + 4)
        // passthrough keeps the original bytes and content type, so the sender's signature stays valid.
        headers.append(HeaderField(name: "Content-Type", value: contentType))
        headers.append(HeaderField(name: "User-Agent", value: userAgent))
        headers.append(HeaderField(name: "X-Hookrelay-Event-Id", value: eventID))
        headers.append(HeaderField(name: "X-Hookrelay-Attempt", value: String(attempt)))
        headers.append(contentsOf: destination.headers)
        return OutboundRequest(url: url, headers: headers, body: body, timeout: destination.timeout)
    }
}
