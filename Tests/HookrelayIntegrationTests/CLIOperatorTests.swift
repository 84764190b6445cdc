import Foundation
import HookrelayCore
import HookrelayRuntime
import HookrelayStore
import HookrelayTestSupport
import Testing

/// `hookrelay failures`, `replay` and `stats`, run as the real executable on a store the test
/// seeded (no relay running, so every state is exactly what the test wrote).
@Suite("CLI: failures, replay, stats")
struct CLIOperatorTests {
    /// A temp dir with relay.conf (`data_dir = "data"`, relative to it) and a seeded store.
    struct Setup {
        let directory: TemporaryDirectory
        let config: String
        var dataDirectory: String { directory.file("data") }

        static func make(seed: (EventStore) async throws -> Void = { _ in }) async throws -> Setup {
            let directory = try TemporaryDirectory(prefix: "hookrelay-cli")
            let config = try directory.write("relay.conf", AdminRelay.configText(dataDirectory: "data"))
            let store = try EventStore(directory: directory.file("data"))
            do {
                try await seed(store)
            } catch {
                store.close()
                throw error
            }
            store.close()
            return Setup(directory: directory, config: config)
        }

        /// The store as it is now (opened read-side, like the commands).
        func withStore<T>(_ body: (EventStore) throws -> T) throws -> T {
            let store = try EventStore(directory: dataDirectory, recoverInFlight: false)
            defer { store.close() }
            return try body(store)
        }
    }

    static func seedFailures(_ store: EventStore, now: Int64) async throws {
        try await AdminAPITests.seedThreeFailures(store, now: now)
        try await store.seedEvent(id: "evt-dead-1", destinations: [("crm", AdminRelay.crmURL), ("app-v2", AdminRelay.appURL)])
        try await store.seedEvent(id: "evt-dead-2", destinations: [("crm", AdminRelay.crmURL)])
        try await store.seedOutcome(destination: "crm", state: "dead", time: now - 60_000, status: 503)
        try await store.seedEvent(id: "evt-pending", destinations: [("app-v2", AdminRelay.appURL)])
    }

    @Test("failures --json prints what the admin API prints; filters apply")
    func failuresJSON() async throws {
        let now = AdminTime.nowMillis()
        let setup = try await Setup.make { try await Self.seedFailures($0, now: now) }
        defer { setup.directory.remove() }

        let (status, output) = try await RelayProcess.run(["failures", "--config", setup.config, "--json"])
        #expect(status == 0, "\(output)")
        let records = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]], "\(output)")
        #expect(records.count == 5)
        for record in records {
            #expect(Set(record.keys) == AdminAPITests.failureFields)
        }
        let expected = try setup.withStore { AdminJSON.failures(try $0.failures(FailureQuery())) }
        #expect(output == expected + "\n", "same text as GET /admin/api/failures")
        #expect(records.first?["status"] as? Int == 503)
        let crmURLs = records.filter { $0["destination"] as? String == "crm" }.map { $0["url"] as? String }
        #expect(crmURLs.count == 4 && crmURLs.allSatisfy { $0 == AdminRelay.crmURL }, "the records' url in full, as the API gives it: \(crmURLs)")

        let (_, filtered) = try await RelayProcess.run(["failures", "--config", setup.config, "--json", "--destination", "crm", "--since", "1h", "--limit", "2"])
        let crm = try #require(try JSONSerialization.jsonObject(with: Data(filtered.utf8)) as? [[String: Any]], "\(filtered)")
        #expect(crm.count == 2)
        #expect(crm.allSatisfy { $0["destination"] as? String == "crm" && $0["status"] as? Int == 503 })
    }

    @Test("failures prints a table: time, destination, url, attempt, reason, next attempt or dead, one-line response")
    func failuresTable() async throws {
        let now = AdminTime.nowMillis()
        let setup = try await Setup.make { try await AdminAPITests.seedThreeFailures($0, now: now) }
        defer { setup.directory.remove() }
        let (status, output) = try await RelayProcess.run(["failures", "--config", setup.config])
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n")
        #expect(lines.count == 4, "\(output)")
        #expect(lines.first?.hasPrefix("TIME") == true)
        #expect(output.contains("HTTP 406") && output.contains("rejected"))
        #expect(output.contains("connect: Connection refused") && output.contains("dead"))
        #expect(output.contains("oops line two"), "response on one line")
        #expect(output.contains(AdminTime.rfc3339Seconds(now + 600_000)), "next attempt time")
        let crm = lines.filter { $0.contains("  crm  ") }
        #expect(crm.count == 2 && crm.allSatisfy { $0.contains("  \(AdminRelay.crmMaskedURL)  ") }, "name, then masked URL: \(output)")
        #expect(AdminRelay.hidesSecrets(output), "\(output)")

        #expect(try await RelayProcess.run(["failures", "--config", setup.config, "--since", "soon"]).status == 2)
    }

    @Test("replay needs --event or --destination with --state: exit 2 otherwise")
    func replayUsage() async throws {
        let setup = try await Setup.make()
        defer { setup.directory.remove() }
        for arguments in [
            ["replay", "--config", setup.config],
            ["replay", "--config", setup.config, "--event", "x", "--destination", "crm", "--state", "dead"],
            ["replay", "--config", setup.config, "--destination", "crm"],
            ["replay", "--config", setup.config, "--destination", "crm", "--state", "pending"],
            ["replay", "--config", setup.config, "--destination", "crm", "--state", "dead", "--since", "whenever"],
            ["replay", "--config", setup.config, "--event", "x", "--state", "dead"],
        ] {
            let (status, output) = try await RelayProcess.run(arguments)
            #expect(status == 2, "\(arguments): \(output)")
        }
        let (status, output) = try await RelayProcess.run(["replay", "--config", setup.config, "--destination", "nobody", "--state", "dead"])
        #expect(status == 2)
        #expect(output.contains("unknown destination"), "\(output)")
    }

    @Test("replay --destination crm --state dead and --event ID re-queue: pending, attempts 0")
    func replayRequeues() async throws {
        let now = AdminTime.nowMillis()
        let setup = try await Setup.make { try await Self.seedFailures($0, now: now) }
        defer { setup.directory.remove() }

        let (status, output) = try await RelayProcess.run(["replay", "--config", setup.config, "--destination", "crm", "--state", "dead", "--since", "24h"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("replayed 2 deliveries"), "\(output)")
        try setup.withStore { store in
            for id in ["evt-dead-1", "evt-dead-2"] {
                let crm = try #require(try store.eventRecord(id: id)?.deliveries.first { $0.destination == "crm" })
                #expect(crm.state == "pending")
                #expect(crm.attempts == 0)
            }
        }

        // evt-pending's only delivery was never attempted: nothing to replay.
        let (none, noneOutput) = try await RelayProcess.run(["replay", "--config", setup.config, "--event", "evt-pending"])
        #expect(none == 0, "\(noneOutput)")
        #expect(noneOutput.contains("replayed 0"))

        let (missing, missingOutput) = try await RelayProcess.run(["replay", "--config", setup.config, "--event", "evt-unknown"])
        #expect(missing == 1, "\(missingOutput)")
        #expect(missingOutput.contains("no event"))
    }

    @Test("stats exits 0 and prints every destination with its counts, the queue and recent failures")
    func stats() async throws {
        let now = AdminTime.nowMillis()
        let setup = try await Setup.make { try await Self.seedFailures($0, now: now) }
        defer { setup.directory.remove() }
        let (status, output) = try await RelayProcess.run(["stats", "--config", setup.config])
        #expect(status == 0, "\(output)")
        #expect(output.contains("crm"))
        #expect(output.contains("app-v2"))
        #expect(output.contains("queue depth (pending + retrying): 2"), "\(output)")
        #expect(output.contains("oldest pending:"))
        let crm = try #require(output.split(separator: "\n").first { $0.hasPrefix("crm ") }, "\(output)")
        // pending retrying delivered rejected dead failures-1h
        #expect(crm.split(separator: " ").prefix(7).map(String.init) == ["crm", "0", "0", "0", "0", "2", "3"], "\(crm)")
        #expect(crm.hasSuffix("  \(AdminRelay.crmMaskedURL)"), "the URL column, masked: \(crm)")
        #expect(AdminRelay.hidesSecrets(output), "\(output)")
    }

    @Test("with no store yet, failures and stats say so and still exit 0")
    func noStoreYet() async throws {
        let directory = try TemporaryDirectory(prefix: "hookrelay-cli")
        defer { directory.remove() }
        let config = try directory.write("relay.conf", AdminRelay.configText(dataDirectory: "data"))
        let (status, output) = try await RelayProcess.run(["failures", "--config", config, "--json"])
        #expect(status == 0)
        #expect(output.contains("[]"))
        #expect(output.contains("no store"))
        let (statsStatus, stats) = try await RelayProcess.run(["stats", "--config", config])
        #expect(statsStatus == 0)
        #expect(stats.contains(AdminRelay.crmMaskedURL) && AdminRelay.hidesSecrets(stats), "masked from the config too: \(stats)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("data/hookrelay.sqlite")), "read commands create nothing")
    }
}
