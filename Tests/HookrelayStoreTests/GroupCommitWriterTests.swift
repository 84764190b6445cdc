import Foundation
import HookrelayCore
@testable import HookrelayStore
import HookrelayTestSupport
import Testing

/// The writer's batches on a real SQLite file: a write that throws fails alone, the rest of its
/// batch commits once, and a write that ran before the failure ran again after the rollback.
@Suite("Group commit writer")
struct GroupCommitWriterTests {
    /// Inserts `value` into `t`, then throws if `fails`; counts its runs and records its result.
    final class InsertWrite: GroupedWrite, @unchecked Sendable {
        let value: Int
        let fails: Bool
        var runs = 0
        var result: StoreUnavailable??
        /// Signalled once `result` is set (on the writer thread).
        let finished = DispatchSemaphore(value: 0)

        init(_ value: Int, fails: Bool = false) {
            self.value = value
            self.fails = fails
        }

        func perform(on connection: SQLiteConnection) throws {
            runs += 1
            try connection.execute("INSERT INTO t VALUES (\(value))")
            if fails { throw SQLiteError(code: 1, message: "write \(value) refused") }
        }

        func finish(failure: StoreUnavailable?) {
            result = .some(failure)
            finished.signal()
        }

        /// Told it committed.
        var committed: Bool {
            if case .some(.none) = result { return true }
            return false
        }
    }

    @Test("a failing write is rolled back alone; the writes around it commit once")
    func failingWriteAlone() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/writer.sqlite"
        let connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER PRIMARY KEY);")
        let writer = try GroupCommitWriter(connection: connection, queueLimit: 10)
        let writes = [InsertWrite(1), InsertWrite(2, fails: true), InsertWrite(3)]
        // Queued before the thread starts: one batch.
        for write in writes { #expect(writer.submit(write, bounded: true)) }
        writer.start()
        writer.stop()

        #expect(writes.map { $0.result != nil } == [true, true, true], "every write is told")
        #expect(writes[0].committed && writes[2].committed)
        let failure = try #require(writes[1].result ?? nil)
        #expect(failure.description.contains("write 2 refused"))
        #expect(writes.map(\.runs) == [2, 2, 1], "the batch ran again after the failure, each write in its savepoint")

        let reader = try SQLiteConnection(path: path)
        var values: [Int64] = []
        try reader.prepare("SELECT v FROM t ORDER BY v").forEachRow { values.append($0.integer(0)) }
        #expect(values == [1, 3])
    }

    @Test("a batch with no failing write runs each write once")
    func cleanBatchOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try SQLiteConnection(path: directory.path + "/writer.sqlite")
        try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER PRIMARY KEY);")
        let writer = try GroupCommitWriter(connection: connection, queueLimit: 10)
        let writes = (1...3).map { InsertWrite($0) }
        for write in writes { #expect(writer.submit(write, bounded: true)) }
        writer.start()
        writer.stop()
        #expect(writes.map(\.runs) == [1, 1, 1])
        #expect(writes.allSatisfy { $0.committed })
    }

    /// Holds the writer inside its batch until `open()`, so the writes queued meanwhile form the next batch.
    final class GateWrite: GroupedWrite, @unchecked Sendable {
        let entered = DispatchSemaphore(value: 0)
        let gate = DispatchSemaphore(value: 0)
        func perform(on connection: SQLiteConnection) throws {
            entered.signal()
            gate.wait()
        }
        func finish(failure: StoreUnavailable?) {}
        func open() { gate.signal() }
    }

    @Test("outcomes batched beside a failing write are stored by the second run, and told so")
    func outcomesSurviveTheRerun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try EventStore(directory: directory.path)
        defer { store.close() }
        let event = ReceivedEvent(id: "evt-1", type: "delivered", contentType: "application/json")
        let accepted = try await store.accept(AcceptRequest(
            source: "mailgun", event: event, body: Array("{}".utf8),
            destinations: [DeliveryTarget(destination: "crm", url: "http://127.0.0.1:9/crm", claimNow: true)], receivedAt: 1000, tokenExpiresAt: 2000
        )).get()
        guard case .accepted(_, let claimed) = accepted, let deliveryID = claimed.first?.deliveryID else {
            Issue.record("not accepted: \(accepted)")
            return
        }

        let gate = GateWrite()
        store.submit(gate)
        gate.entered.wait()
        let told = DispatchSemaphore(value: 0)
        let box = OutcomeBox()
        store.record(AttemptRecord(
            deliveryID: deliveryID, eventID: "evt-1", eventType: "delivered", destination: "crm", url: "http://127.0.0.1:9/crm",
            attempt: 1, state: .delivered, nextAttemptAt: nil, status: 200, error: nil, message: nil, response: "",
            replays: 0, time: 1100, isFailure: false
        )) { result in
            box.result = result
            told.signal()
        }
        let failing = InsertWrite(1, fails: true)  // no table t: fails on its insert
        store.submit(failing)
        gate.open()
        try #require(told.wait(timeout: .now() + 10) == .success, "the outcome's completion never ran")
        try #require(failing.finished.wait(timeout: .now() + 10) == .success)

        if case .failure(let error) = box.result { Issue.record("outcome not stored: \(error)") }
        #expect(box.result != nil)
        #expect(failing.result != nil && !failing.committed)
        let record = try #require(try store.eventRecord(id: "evt-1"))
        #expect(record.deliveries.map(\.state) == ["delivered"])
    }

    @Test("a replay and a claim in a batch run again after a failing write: the replay stands, the claim takes the replayed delivery")
    func replayAndClaimSurviveTheRerun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try EventStore(directory: directory.path)
        defer { store.close() }
        _ = await store.accept(StoreContractTests.request(id: "e1", urls: ["http://crm.test/a"]))
        let first = try #require(try store.claimDue(destination: "d0", now: StoreContractTests.now, limit: 1).get().first)
        try await store.record(StoreContractTests.record(first, attempt: 1, state: .dead, at: StoreContractTests.now)).get()

        // One batch, in this order: the replay, a claim, a write that fails (so the batch runs again).
        let gate = GateWrite()
        store.submit(gate)
        gate.entered.wait()
        let replayed = ResultBox<Int>()
        store.replay(.event("e1"), now: StoreContractTests.now + 10) { replayed.set($0) }
        let claimed = ResultBox<[ClaimedDelivery]>()
        store.claimDue(destination: "d0", now: StoreContractTests.now + 10, limit: 5) { claimed.set($0) }
        let failing = InsertWrite(1, fails: true)  // no table t: fails on its insert
        store.submit(failing)
        gate.open()
        try #require(failing.finished.wait(timeout: .now() + 10) == .success)
        let replayCount = try #require(replayed.wait()).get()
        let taken = try #require(claimed.wait()).get()

        #expect(replayCount == 1, "the second run must replay as the first did")
        #expect(taken.map(\.id) == [first.id], "the claim takes the replayed delivery")
        #expect(taken.first?.replays == 1)
    }

    /// A write's result, handed from the writer thread.
    final class ResultBox<T: Sendable>: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var value: Result<T, StoreUnavailable>?
        func set(_ result: Result<T, StoreUnavailable>) {
            value = result
            done.signal()
        }
        func wait() -> Result<T, StoreUnavailable>? {
            guard done.wait(timeout: .now() + 10) == .success else { return nil }
            return value
        }
    }

    /// An outcome's result, handed from the writer thread (the semaphore orders the accesses).
    final class OutcomeBox: @unchecked Sendable {
        var result: Result<Void, StoreUnavailable>?
    }
}
