@testable import HookrelayCore
import Testing

/// A table of rows as the store has them: row id → (source, token).
private struct Rows {
    var rows: [Int64: (source: String, token: String)] = [:]

    /// What the store does with a candidate: read the row, compare the token (whichever source took it).
    func matcher(_ token: String) -> (Int64) -> Int64? {
        { id in rows[id].flatMap { $0.token == token ? id : nil } }
    }
}

@Suite("TokenIndex")
struct TokenIndexTests {
    @Test("every token inserted is found at its row, through growth, whichever source took it")
    func findsEveryToken() {
        var index = TokenIndex()
        var rows = Rows()
        for id in Int64(1)...50_000 {
            let source = id % 2 == 0 ? "mailgun" : "legacy"
            rows.rows[id] = (source, "token-\(id)")
            index.insert(source: source, token: "token-\(id)", rowID: id, now: 1_000, expiresAt: 1_000_000)
        }
        #expect(index.count == 50_000)
        for id in Int64(1)...50_000 {
            #expect(index.firstMatch(token: "token-\(id)", rows.matcher("token-\(id)")) == id)
        }
        // SPEC §2: a token is the sender's, not a source's (it used to be per source).
        #expect(index.firstMatch(token: "token-1", rows.matcher("token-1")) == 1, "token-1, taken by legacy, is found for every source")
        #expect(index.firstMatch(token: "never", rows.matcher("never")) == nil)
    }

    @Test("a row that no longer holds the token (rolled back, renumbered) is skipped, and the new row is found")
    func staleRowsAreSkipped() {
        var index = TokenIndex()
        var rows = Rows()
        index.insert(source: "s", token: "a", rowID: 10, now: 0, expiresAt: 100)
        index.insert(source: "s", token: "b", rowID: 11, now: 0, expiresAt: 100)
        // Rolled back: rows 10 and 11 never committed; the rerun numbers them again, other way round.
        rows.rows[10] = ("s", "b")
        rows.rows[11] = ("s", "a")
        index.insert(source: "s", token: "b", rowID: 10, now: 0, expiresAt: 100)
        index.insert(source: "s", token: "a", rowID: 11, now: 0, expiresAt: 100)
        #expect(index.firstMatch(token: "a", rows.matcher("a")) == 11)
        #expect(index.firstMatch(token: "b", rows.matcher("b")) == 10)
    }

    @Test("a row numbered below the current generation's base starts a new generation and is found")
    func rowBelowBase() {
        var index = TokenIndex()
        var rows = Rows()
        rows.rows[500] = ("s", "x")
        rows.rows[20] = ("s", "y")
        index.insert(source: "s", token: "x", rowID: 500, now: 0, expiresAt: 100)
        index.insert(source: "s", token: "y", rowID: 20, now: 0, expiresAt: 100)
        #expect(index.generations(of: "s").count == 2)
        #expect(index.firstMatch(token: "x", rows.matcher("x")) == 500)
        #expect(index.firstMatch(token: "y", rows.matcher("y")) == 20)
    }

    @Test("a generation is sealed after a quarter of its first entry's lifetime and dropped when all its entries expired")
    func generationsSealAndExpire() {
        var index = TokenIndex()
        var rows = Rows()
        // Lifetime 1,000: the first generation takes entries until time 250.
        for (id, now) in [(Int64(1), Int64(0)), (2, 100), (3, 249), (4, 250), (5, 600)] {
            rows.rows[id] = ("s", "t\(id)")
            index.insert(source: "s", token: "t\(id)", rowID: id, now: now, expiresAt: now + 1_000)
        }
        // 4 comes at 250 and starts generation 2 (sealed at 500); 5 comes at 600 and starts generation 3.
        #expect(index.generations(of: "s").map(\.count) == [3, 1, 1])
        index.dropExpired(now: 1_249)
        #expect(index.count == 5, "generation 1's latest entry (t3) expires at 1,249: kept")
        index.dropExpired(now: 1_250)
        #expect(index.count == 2)
        #expect(index.firstMatch(token: "t3", rows.matcher("t3")) == nil)
        #expect(index.firstMatch(token: "t4", rows.matcher("t4")) == 4)
        index.dropExpired(now: 10_000)
        #expect(index.count == 0 && index.slotBytes == 0)
    }

    @Test("a full generation of the largest size is sealed, not grown")
    func fullGenerationIsSealed() {
        var index = TokenIndex()
        let perGeneration = TokenIndex.maxSlots / 4 * 3
        for id in 0...Int64(perGeneration) {
            index.insert(source: "s", token: "t\(id)", rowID: id, now: 0, expiresAt: .max)
        }
        #expect(index.generations(of: "s").count == 2)
        #expect(index.generations(of: "s").map(\.count) == [perGeneration, 1])
        #expect(index.slotBytes <= (TokenIndex.maxSlots + 1024) * 8)
    }

    @Test("sources keep their own generations: a short-lived source's churn does not hold a long-lived one's tokens, or the reverse")
    func sourcesHaveTheirOwnChains() {
        var index = TokenIndex()
        var rows = Rows()
        var id: Int64 = 0
        // "short" keeps tokens 100 ms and sends every ms; "long" keeps them an hour, one per 50 ms.
        for now in Int64(0)..<2_000 {
            id += 1
            rows.rows[id] = ("short", "s\(id)")
            index.insert(source: "short", token: "s\(id)", rowID: id, now: now, expiresAt: now + 100)
            if now % 50 == 0 {
                id += 1
                rows.rows[id] = ("long", "l\(id)")
                index.insert(source: "long", token: "l\(id)", rowID: id, now: now, expiresAt: now + 3_600_000)
            }
            index.dropExpired(now: now)
        }
        #expect(index.generations(of: "long").count == 1, "one generation: it seals after 15 minutes")
        #expect(index.generations(of: "short").count <= 6, "about (100 + 25) ms of short tokens, in 25 ms generations")
        #expect(index.count <= 40 + 6 * 26)
        #expect(index.firstMatch(token: "l2", rows.matcher("l2")) == 2)
    }

    @Test("a token is found whichever source's chain holds it; another token with a colliding row is not")
    func tokensAreGlobal() {
        var index = TokenIndex()
        var rows = Rows()
        rows.rows[1] = ("eu", "shared")
        rows.rows[2] = ("us", "other")
        index.insert(source: "eu", token: "shared", rowID: 1, now: 0, expiresAt: 100)
        index.insert(source: "us", token: "other", rowID: 2, now: 0, expiresAt: 1_000)
        #expect(index.generations(of: "eu").count == 1 && index.generations(of: "us").count == 1, "chains stay per source")
        #expect(index.firstMatch(token: "shared", rows.matcher("shared")) == 1)
        #expect(index.firstMatch(token: "other", rows.matcher("other")) == 2)
        index.dropExpired(now: 500)
        #expect(index.firstMatch(token: "shared", rows.matcher("shared")) == nil, "eu's chain expired on its own lifetime")
        #expect(index.firstMatch(token: "other", rows.matcher("other")) == 2)
    }

    @Test("extreme times do not overflow")
    func extremeTimes() {
        var index = TokenIndex()
        index.insert(source: "s", token: "a", rowID: 1, now: -5, expiresAt: .max)
        index.insert(source: "s", token: "b", rowID: 2, now: .max - 1, expiresAt: .min)
        index.dropExpired(now: 0)
        #expect(index.count == 1, "b, expired at .min, is dropped with its generation")
    }
}
