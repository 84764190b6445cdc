import HookrelayCore
import HookrelayStore

/// The accept path (SPEC §2–§4) as one server-side function, so an event costs one round trip
/// inside the writer's shared transaction: the token rule, the event row, one delivery per URL
/// that does not have the event yet — the same decisions as the SQLite store's `AcceptWrite`.
/// Unique constraints make them hold across nodes: two nodes inserting the same token, event
/// or (event, URL) at once wait for each other, and the second sees the first's row.
enum AcceptSQL {
    /// `hookrelay_accept(...)` → one row (outcome, detail, inserted, claimed URLs, their ids).
    /// Outcomes: `accepted`, `duplicate`, `replayed` (detail: the first event's id), `noroute`.
    /// Deliveries stored unclaimed wake the other nodes (`NOTIFY hookrelay_due`).
    static let function = """
        CREATE OR REPLACE FUNCTION hookrelay_accept(
            p_source text, p_event_id text, p_type text, p_domain text, p_content_type text, p_body bytea,
            p_received bigint, p_token text, p_token_expires bigint,
            p_destinations text[], p_urls text[], p_claim boolean[], p_lease_until bigint, p_node text,
            OUT outcome text, OUT detail text, OUT inserted integer, OUT claimed_urls text[], OUT claimed_ids bigint[]
        ) LANGUAGE plpgsql AS $$
        DECLARE
            v_token record;
            v_token_seen boolean := false;
            v_expired boolean;
            v_event bigint;
            v_stored boolean;
            v_id bigint;
            v_notify boolean := false;
        BEGIN
            inserted := 0;
            claimed_urls := '{}';
            claimed_ids := '{}';
            IF p_token IS NOT NULL THEN
                INSERT INTO tokens (token, source, event_id, expires_at) VALUES (p_token, p_source, p_event_id, p_token_expires)
                    ON CONFLICT (token) DO NOTHING;
                IF NOT FOUND THEN
                    SELECT source, event_id, expires_at INTO v_token FROM tokens WHERE token = p_token FOR UPDATE;
                    v_expired := NOT FOUND;
                    IF NOT v_expired THEN
                        v_expired := v_token.expires_at < p_received;
                    END IF;
                    IF v_expired THEN
                        -- Expired (or purged meanwhile): the token is new again.
                        INSERT INTO tokens (token, source, event_id, expires_at) VALUES (p_token, p_source, p_event_id, p_token_expires)
                            ON CONFLICT (token) DO UPDATE SET source = EXCLUDED.source, event_id = EXCLUDED.event_id,
                                expires_at = EXCLUDED.expires_at;
                    ELSIF v_token.event_id <> p_event_id THEN
                        outcome := 'replayed';
                        detail := v_token.event_id;
                        RETURN;
                    ELSIF v_token.source <> p_source THEN
                        -- The same request on another path: forward nothing.
                        outcome := 'duplicate';
                        RETURN;
                    ELSE
                        v_token_seen := true;
                    END IF;
                END IF;
            END IF;
            IF coalesce(array_length(p_urls, 1), 0) = 0 THEN
                PERFORM 1 FROM events WHERE event_id = p_event_id AND source = p_source;
                outcome := CASE WHEN FOUND THEN 'duplicate' ELSE 'noroute' END;
                RETURN;
            END IF;
            INSERT INTO events (event_id, source, event_type, domain, content_type, body, received_at)
                VALUES (p_event_id, p_source, p_type, p_domain, p_content_type, p_body, p_received)
                ON CONFLICT (event_id, source) DO NOTHING
                RETURNING id INTO v_event;
            v_stored := v_event IS NOT NULL;
            IF NOT v_stored THEN
                IF v_token_seen THEN
                    outcome := 'duplicate';
                    RETURN;
                END IF;
                SELECT id INTO v_event FROM events WHERE event_id = p_event_id AND source = p_source;
            END IF;
            FOR i IN 1 .. array_length(p_urls, 1) LOOP
                IF p_claim[i] AND v_stored THEN
                    INSERT INTO deliveries (event, destination, url, state, attempts, due_at, claimed_by, created_at, updated_at)
                        VALUES (v_event, p_destinations[i], p_urls[i], 'pending', 0, p_lease_until, p_node, p_received, p_received)
                        ON CONFLICT (event, url) DO NOTHING
                        RETURNING id INTO v_id;
                    IF v_id IS NOT NULL THEN
                        claimed_urls := claimed_urls || p_urls[i];
                        claimed_ids := claimed_ids || v_id;
                        inserted := inserted + 1;
                    END IF;
                ELSE
                    INSERT INTO deliveries (event, destination, url, state, attempts, due_at, created_at, updated_at)
                        VALUES (v_event, p_destinations[i], p_urls[i], 'pending', 0, p_received, p_received, p_received)
                        ON CONFLICT (event, url) DO NOTHING;
                    IF FOUND THEN
                        inserted := inserted + 1;
                        v_notify := true;
                    END IF;
                END IF;
            END LOOP;
            IF v_notify THEN
                PERFORM pg_notify('hookrelay_due', '');
            END IF;
            outcome := CASE WHEN inserted > 0 THEN 'accepted' ELSE 'duplicate' END;
        END;
        $$
        """

    static let call = "SELECT outcome, detail, inserted, claimed_urls, claimed_ids FROM hookrelay_accept($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"

    /// Runs the accept of `request` on `connection` (inside the writer's transaction).
    /// A first attempt started at accept takes its destination's cluster-wide rate token here
    /// (`rates`); without one the delivery is stored due instead of claimed.
    static func perform(
        _ request: AcceptRequest, node: String, leaseUntil: Int64, rates: [String: Rate], on connection: PGConnection
    ) throws -> AcceptOutcome {
        var targets = request.destinations
        var rated: [Int] = []
        for index in targets.indices where targets[index].claimNow {
            guard let rate = rates[targets[index].destination] else { continue }
            if try RateSQL.take(1, destination: targets[index].destination, rate: rate, now: request.receivedAt, on: connection) == 1 {
                rated.append(index)
            } else {
                targets[index].claimNow = false
            }
        }
        let outcome = try call(request, targets: targets, node: node, leaseUntil: leaseUntil, on: connection)
        // A token taken for a delivery not stored claimed (a duplicate) goes back.
        let claimedURLs: [String] = if case .accepted(_, let claimed) = outcome { claimed.map(\.url) } else { [] }
        for index in rated where !claimedURLs.contains(targets[index].url) {
            if let rate = rates[targets[index].destination] {
                try RateSQL.refund(1, destination: targets[index].destination, rate: rate, on: connection)
            }
        }
        return outcome
    }

    private static func call(
        _ request: AcceptRequest, targets: [DeliveryTarget], node: String, leaseUntil: Int64, on connection: PGConnection
    ) throws -> AcceptOutcome {
        outcome(try connection.query(call, parameters(request, targets: targets, node: node, leaseUntil: leaseUntil)), targets: targets)
    }

    /// The parameters of `call` for `request` going to `targets`.
    static func parameters(_ request: AcceptRequest, targets: [DeliveryTarget], node: String, leaseUntil: Int64) -> [PGValue] {
        let event = request.event
        return [
            .text(request.source), .text(event.id), .text(event.type), .optionalText(event.domain), .text(event.contentType),
            .bytes(request.body), .int(request.receivedAt), .optionalText(event.token), .int(request.tokenExpiresAt),
            .textArray(targets.map(\.destination)), .textArray(targets.map(\.url)), .boolArray(targets.map(\.claimNow)),
            .int(leaseUntil), .text(node),
        ]
    }

    /// The outcome `call` answered.
    static func outcome(_ result: PGResult, targets: [DeliveryTarget]) -> AcceptOutcome {
        switch result.text(0, 0) {
        case "replayed":
            return .tokenReplayed(originalEventID: result.text(0, 1))
        case "noroute":
            return .noRoute
        case "accepted":
            let urls = result.textArray(0, 3)
            let ids = PGArrayLiteral.parse(result.text(0, 4)).compactMap { Int64($0) }
            var claimed: [ClaimedTarget] = []
            for (url, id) in zip(urls, ids) {
                guard let target = targets.first(where: { $0.url == url }) else { continue }
                claimed.append(ClaimedTarget(destination: target.destination, url: url, deliveryID: id))
            }
            return .accepted(newDeliveries: Int(result.int(0, 2)), claimed: claimed)
        default:
            return .duplicate
        }
    }
}

/// One accept in the writer's batch: pipelined with the others (one statement), unless a first
/// attempt at accept must take a cluster-wide rate token first (`AcceptSQL.perform`).
///
/// `@unchecked Sendable`: `outcome` is set and read on the writer thread only.
final class PostgresAcceptWrite: PostgresWrite, @unchecked Sendable {
    private let request: AcceptRequest
    private let node: String
    private let leaseUntil: Int64
    private let rates: [String: Rate]
    private let completion: @Sendable (Result<AcceptOutcome, StoreUnavailable>) -> Void
    private var outcome: AcceptOutcome?

    init(
        _ request: AcceptRequest, node: String, leaseUntil: Int64, rates: [String: Rate],
        completion: @escaping @Sendable (Result<AcceptOutcome, StoreUnavailable>) -> Void
    ) {
        self.request = request
        self.node = node
        self.leaseUntil = leaseUntil
        self.rates = rates
        self.completion = completion
    }

    var pipelined: [(sql: String, parameters: [PGValue])]? {
        if !rates.isEmpty, request.destinations.contains(where: { $0.claimNow && rates[$0.destination] != nil }) { return nil }
        return [(AcceptSQL.call, AcceptSQL.parameters(request, targets: request.destinations, node: node, leaseUntil: leaseUntil))]
    }

    func receive(_ results: ArraySlice<PGResult>) throws {
        guard let result = results.first else { throw PostgresError(message: "accept: no result") }
        outcome = AcceptSQL.outcome(result, targets: request.destinations)
    }

    func perform(on connection: PGConnection) throws {
        outcome = try AcceptSQL.perform(request, node: node, leaseUntil: leaseUntil, rates: rates, on: connection)
    }

    func finish(failure: StoreUnavailable?) {
        if let failure {
            completion(.failure(failure))
        } else if let outcome {
            completion(.success(outcome))
        } else {
            completion(.failure(StoreUnavailable(.unavailable, "accept produced no result")))
        }
    }
}
