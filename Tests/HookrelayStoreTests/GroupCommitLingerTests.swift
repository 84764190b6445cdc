import Foundation
import HookrelayCore
@testable import HookrelayStore
import HookrelayTestSupport
import Synchronization
import Testing

/// Outcomes wait up to the writer's `linger` for company once accepts have stopped coming, so
/// one commit takes many of them; an accept ends the wait, and a claim (a read) runs during it
/// without ending it.
@Suite("Group commit writer: linger")
struct GroupCommitLingerTests {
    /// A write of a kind (outcome: may wait; read: a claim; urgent: an accept), recording when it
    /// finished and whether it committed.
    final class KindWrite: GroupedWrite, @unchecked Sendable {
        let value: Int
        let mayWait: Bool
        let readsOnly: Bool
        private let state = NSLock()
        private var finishedAt: ContinuousClock.Instant?
        private var committed = false
        /// For a read: how many rows of `t` it saw.
        private(set) var seen: Int64 = -1

        init(_ value: Int, mayWait: Bool = false, readsOnly: Bool = false) {
            self.value = value
            self.mayWait = mayWait
            self.readsOnly = readsOnly
        }

        func perform(on connection: SQLiteConnection) throws {
            if readsOnly {
                let count = try connection.prepare("SELECT count(*) FROM t").firstRow { $0.integer(0) } ?? 0
                state.withLock { seen = count }
            } else {
                try connection.execute("INSERT INTO t VALUES (\(value))")
            }
        }

        func finish(failure: StoreUnavailable?) {
            state.withLock {
                finishedAt = ContinuousClock.now
                committed = failure == nil
            }
        }

        var done: Bool { state.withLock { finishedAt != nil && committed } }
        var doneAt: ContinuousClock.Instant? { state.withLock { finishedAt } }
    }

    static func writer(linger: Duration) throws -> (GroupCommitWriter, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let connection = try SQLiteConnection(path: directory.path + "/writer.sqlite")
        try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER PRIMARY KEY);")
        let writer = try GroupCommitWriter(connection: connection, queueLimit: 10, linger: linger)
        writer.start()
        return (writer, directory)
    }

    @Test("an outcome alone commits once the linger is over, not before")
    func outcomeAloneWaitsTheLinger() async throws {
        let (writer, directory) = try Self.writer(linger: .milliseconds(300))
        defer { writer.stop(); directory.remove() }
        let submitted = ContinuousClock.now
        let outcome = KindWrite(1, mayWait: true)
        #expect(writer.submit(outcome, bounded: false))
        #expect(await Polling.until(timeout: .seconds(10)) { outcome.done })
        let waited = try #require(outcome.doneAt) - submitted
        #expect(waited >= .milliseconds(300), "committed after \(waited)")
    }

    @Test("an accept ends the linger: both commit at once")
    func acceptEndsTheLinger() async throws {
        let (writer, directory) = try Self.writer(linger: .seconds(30))
        defer { writer.stop(); directory.remove() }
        let outcome = KindWrite(1, mayWait: true)
        #expect(writer.submit(outcome, bounded: false))
        let accept = KindWrite(2)
        #expect(writer.submit(accept, bounded: true))
        #expect(await Polling.until(timeout: .seconds(10)) { outcome.done && accept.done }, "both committed well before the 30 s linger")
    }

    @Test("a claim runs during the linger without ending it, and sees only what committed")
    func claimRunsDuringTheLinger() async throws {
        let (writer, directory) = try Self.writer(linger: .seconds(30))
        defer { writer.stop(); directory.remove() }
        let outcome = KindWrite(1, mayWait: true)
        #expect(writer.submit(outcome, bounded: false))
        let claim = KindWrite(0, readsOnly: true)
        #expect(writer.submit(claim, bounded: false))
        #expect(await Polling.until(timeout: .seconds(10)) { claim.done })
        #expect(claim.seen == 0, "the outcome had not committed")
        #expect(!outcome.done, "the claim did not end the outcome's wait")
        let accept = KindWrite(2)
        #expect(writer.submit(accept, bounded: true))
        #expect(await Polling.until(timeout: .seconds(10)) { outcome.done && accept.done })
    }

    @Test("claims arriving all the time do not hold an outcome past its linger")
    func claimsDoNotStarveOutcomes() async throws {
        let (writer, directory) = try Self.writer(linger: .seconds(1))
        defer { writer.stop(); directory.remove() }
        let submitted = ContinuousClock.now
        let outcome = KindWrite(1, mayWait: true)
        #expect(writer.submit(outcome, bounded: false))
        // A claim every 20 ms for up to 5 s, from a thread of its own (the test's cooperative pool
        // may be busy with other suites): each one wakes the writer, none may restart the wait.
        let claims = Mutex<[KindWrite]>([])
        let submitter = NamedThread.start("test-claims") {
            while !outcome.done && ContinuousClock.now - submitted < .seconds(5) {
                let claim = KindWrite(0, readsOnly: true)
                _ = writer.submit(claim, bounded: false)
                claims.withLock { $0.append(claim) }
                usleep(20_000)  // the claims' pace, not a wait for a result
            }
        }
        #expect(await Polling.until(timeout: .seconds(10)) { outcome.done })
        _ = submitter
        let waited = try #require(outcome.doneAt) - submitted
        let claimCount = claims.withLock { $0.count }
        #expect(waited >= .seconds(1) && waited < .seconds(4), "committed after \(waited), with \(claimCount) claims meanwhile")
        #expect(claimCount >= 5)
    }

    @Test("while accepts keep coming, an outcome does not wait")
    func noLingerUnderAccepts() async throws {
        let (writer, directory) = try Self.writer(linger: .seconds(30))
        defer { writer.stop(); directory.remove() }
        let accept = KindWrite(1)
        #expect(writer.submit(accept, bounded: true))
        let outcome = KindWrite(2, mayWait: true)
        #expect(writer.submit(outcome, bounded: false))
        // Well under the 30 s linger: the accept came a moment before.
        #expect(await Polling.until(timeout: .seconds(10)) { accept.done && outcome.done })
    }
}
