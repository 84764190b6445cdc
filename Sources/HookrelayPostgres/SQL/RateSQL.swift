import HookrelayCore

/// A destination's `rate` for the whole cluster (SPEC §10): one token bucket row per destination
/// in `rate_buckets`, refilled at the rate and holding at most one second's worth (at least one
/// token), taken in the transaction that claims (or, for a first attempt started at accept, that
/// stores the delivery claimed). Each node's own `RateLimiter` still applies on top, so a node
/// never exceeds the rate by itself either.
enum RateSQL {
    /// `hookrelay_take_tokens(destination, now, wanted, tokens per ms, capacity)` → how many
    /// were taken (0 … wanted). Locks the bucket row until the transaction ends.
    static let function = """
        CREATE OR REPLACE FUNCTION hookrelay_take_tokens(
            p_destination text, p_now bigint, p_wanted integer, p_per_ms double precision, p_capacity double precision
        ) RETURNS integer LANGUAGE plpgsql AS $$
        DECLARE
            v_tokens double precision;
            v_updated bigint;
            v_take integer;
        BEGIN
            INSERT INTO rate_buckets (destination, tokens, updated_at) VALUES (p_destination, p_capacity, p_now)
                ON CONFLICT (destination) DO NOTHING;
            SELECT tokens, updated_at INTO v_tokens, v_updated FROM rate_buckets WHERE destination = p_destination FOR UPDATE;
            -- Another node's clock may be ahead: time never runs backwards for the bucket.
            v_tokens := least(p_capacity, v_tokens + greatest(0, p_now - v_updated) * p_per_ms);
            v_take := least(p_wanted, floor(v_tokens)::integer);
            UPDATE rate_buckets SET tokens = v_tokens - v_take, updated_at = greatest(v_updated, p_now)
                WHERE destination = p_destination;
            RETURN v_take;
        END;
        $$
        """

    static let take = "SELECT hookrelay_take_tokens($1, $2, $3, $4, $5)"
    static let refund = "UPDATE rate_buckets SET tokens = least($2, tokens + $3) WHERE destination = $1"

    /// Tokens per millisecond and the bucket's capacity (one second's worth, at least 1).
    static func shape(_ rate: Rate) -> (perMillisecond: Double, capacity: Double) {
        let perMillisecond = Double(rate.count) / Double(max(1, rate.per.milliseconds))
        return (perMillisecond, max(1, (perMillisecond * 1000).rounded(.down)))
    }

    /// Takes up to `wanted` tokens of `destination` at `now` (inside the caller's transaction).
    static func take(_ wanted: Int, destination: String, rate: Rate, now: Int64, on connection: PGConnection) throws -> Int {
        guard wanted > 0 else { return 0 }
        let (perMillisecond, capacity) = shape(rate)
        return Int(try connection.query(take, [
            .text(destination), .int(now), .int(Int64(wanted)), .double(perMillisecond), .double(capacity),
        ]).int(0, 0))
    }

    /// Gives back tokens taken for claims that found fewer deliveries due.
    static func refund(_ count: Int, destination: String, rate: Rate, on connection: PGConnection) throws {
        guard count > 0 else { return }
        try connection.query(refund, [.text(destination), .double(shape(rate).capacity), .int(Int64(count))])
    }
}
