import Foundation
import HookrelayTestSupport
import Testing

/// SPEC §10 across real processes: `hookrelay serve` nodes (each its own `data_dir` and ports)
/// on one throwaway PostgreSQL cluster. Skipped, saying why, when the server binaries are
/// missing; failed instead in CI (`RequiredTool`).
@Suite("Several nodes on PostgreSQL", .serialized)
struct SeveralNodesTests {
    static let factory = MailgunEventFactory(key: ProcessSupport.signingKey)

    /// A node's config on the shared store; `server` adds lines to `[server]`.
    static func config(store: String, dataDirectory: String, server: String = "", body: String) -> String {
        """
        [server]
        listen = "127.0.0.1:0"
        admin_listen = "127.0.0.1:0"
        data_dir = "\(dataDirectory)"
        store = "\(store)"
        \(server)

        [[source]]
        name = "mailgun"
        path = "/webhooks/mailgun"
        verify = "mailgun"
        keys = ["\(ProcessSupport.signingKey)"]

        \(body)
        """
    }

    /// Starts `count` nodes at once on `store` (each its own data_dir under `directory`).
    static func startNodes(
        _ count: Int, store: String, directory: TemporaryDirectory, server: String = "", body: String, arguments: [String] = []
    ) async throws -> [(process: RelayProcess, ingest: Int, admin: Int)] {
        var processes: [RelayProcess] = []
        for index in 0..<count {
            let path = try directory.write("node\(index).conf", config(store: store, dataDirectory: directory.file("data\(index)"), server: server, body: body))
            processes.append(try RelayProcess(arguments: ["serve", "--config", path] + arguments))
        }
        var nodes: [(process: RelayProcess, ingest: Int, admin: Int)] = []
        for process in processes {
            let ports = try await process.waitUntilListening()
            nodes.append((process, ports.ingest, ports.admin))
        }
        return nodes
    }

    static func eventIDs(_ sink: SinkServer) -> [String] {
        sink.requests.compactMap { $0.header("X-Hookrelay-Event-Id") }
    }

    static func stop(_ nodes: [(process: RelayProcess, ingest: Int, admin: Int)]) async {
        for node in nodes where node.process.isRunning { node.process.terminate() }
        for node in nodes { _ = await node.process.waitForExit() }
    }

    @Test(
        "two nodes starting at once on an empty database: dedup and the token rule hold across them",
        .enabled(if: PostgresCluster.testsRun, Comment(rawValue: PostgresCluster.missingMessage))
    )
    func dedupAndTokensAcrossNodes() async throws {
        try RequiredTool.require(PostgresCluster.available, PostgresCluster.missingMessage)
        let store = try PostgresCluster.shared().createDatabase()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start(.status(200))
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:\(sink.port)/crm", retry: #"["1s"]"#) + DeliveryTests.route(["crm"])
        let nodes = try await Self.startNodes(2, store: store, directory: directory, body: body)

        let event = Self.factory.json(id: "evt-both", token: "token-both")
        let first = try await HTTPTestClient.send(event, port: nodes[0].ingest)
        let second = try await HTTPTestClient.send(event, port: nodes[1].ingest)
        #expect(first.status == 200 && first.text.contains("accepted"), "\(first.status) \(first.text)")
        #expect(second.status == 200 && second.text.contains("duplicate"), "the same event at the other node: \(second.status) \(second.text)")
        // The same token with another event, at the other node: a replay (SPEC §2).
        let replay = try await HTTPTestClient.send(Self.factory.json(id: "evt-other", token: "token-both"), port: nodes[1].ingest)
        #expect(replay.status == 403)

        #expect(await Polling.until { Self.eventIDs(sink).contains("evt-both") })
        // Any node's admin API shows the whole cluster: one delivery, delivered.
        let record = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin/api/events/evt-both"), port: nodes[1].admin)
        #expect(record.status == 200)
        #expect(record.text.contains("\"delivered\""), "\(record.text)")
        #expect(Self.eventIDs(sink).filter { $0 == "evt-both" }.count == 1)
        let missing = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin/api/events/evt-other"), port: nodes[0].admin)
        #expect(missing.status == 404, "a replayed token stores nothing")
        // The operator's commands read the cluster's store too (SPEC §10).
        let stats = try await RelayProcess.run(["stats", "--config", directory.file("node1.conf")])
        #expect(stats.status == 0, "\(stats.output)")
        #expect(stats.output.contains("events stored: 1"), "\(stats.output)")
        await Self.stop(nodes)
        await sink.stop()
    }

    @Test(
        "PostgreSQL stopped under a node: 503 with Retry-After within 5 s, /readyz fails; started again: 200s without a restart",
        .enabled(if: PostgresCluster.testsRun, Comment(rawValue: PostgresCluster.missingMessage))
    )
    func postgresDownAndBack() async throws {
        try RequiredTool.require(PostgresCluster.available, PostgresCluster.missingMessage)
        let cluster = try PostgresCluster()  // its own: this test stops it
        let store = try cluster.createDatabase()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start(.status(200))
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:\(sink.port)/crm", retry: #"["1s"]"#) + DeliveryTests.route(["crm"])
        let nodes = try await Self.startNodes(1, store: store, directory: directory, body: body)
        let node = nodes[0]

        #expect(try await HTTPTestClient.send(Self.factory.json(id: "before"), port: node.ingest).status == 200)
        try cluster.stop()
        let started = ContinuousClock.now
        let down = try await HTTPTestClient.send(Self.factory.json(id: "while-down"), port: node.ingest)
        #expect(down.status == 503, "\(down.status) \(down.text)")
        #expect(down.header("Retry-After") != nil)
        #expect(ContinuousClock.now - started < .seconds(5))
        let ready = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/readyz"), port: node.admin)
        #expect(ready.status == 503)
        // The scheduler reads the paused set once a second: while the database is away that is
        // logged once, then at most once per 5 s, not every second.
        let line = "cannot read the paused destinations"
        #expect(await Polling.until(timeout: .seconds(5)) { node.process.outputText.contains(line) }, "\(node.process.outputText.suffix(2000))")
        try await Task.sleep(until: started + .seconds(4))
        let lines = node.process.outputText.components(separatedBy: line).count - 1
        #expect(lines <= 2, "\(lines) lines in 4 s while PostgreSQL was down")

        try cluster.start()
        var answered = 0
        let back = await Polling.until(timeout: .seconds(15), interval: .milliseconds(200)) {
            answered = (try? await HTTPTestClient.send(Self.factory.json(id: "after"), port: node.ingest).status) ?? 0
            return answered == 200
        }
        #expect(back, "no 200 after PostgreSQL came back (last: \(answered))")
        #expect(await Polling.until { (try? await HTTPTestClient.send(TestRequest(method: "GET", path: "/readyz"), port: node.admin).status) == 200 })
        #expect(await Polling.until { Set(Self.eventIDs(sink)).isSuperset(of: ["before", "after"]) })
        #expect(!Self.eventIDs(sink).contains("while-down"), "a 503 event was never stored")
        #expect(node.process.isRunning)
        await Self.stop(nodes)
        await sink.stop()
    }

    @Test(
        "a node started while PostgreSQL is down waits for it instead of exiting, then serves",
        .enabled(if: PostgresCluster.testsRun, Comment(rawValue: PostgresCluster.missingMessage))
    )
    func startWhilePostgresDown() async throws {
        try RequiredTool.require(PostgresCluster.available, PostgresCluster.missingMessage)
        let cluster = try PostgresCluster()  // its own: this test stops it
        let store = try cluster.createDatabase()
        try cluster.stop()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start(.status(200))
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:\(sink.port)/crm", retry: #"["1s"]"#) + DeliveryTests.route(["crm"])
        let path = try directory.write("node.conf", Self.config(store: store, dataDirectory: directory.file("data"), body: body))
        let node = try RelayProcess(arguments: ["serve", "--config", path])
        #expect(await Polling.until(timeout: .seconds(10)) { node.outputText.contains("PostgreSQL unreachable") }, "\(node.outputText)")
        #expect(node.isRunning, "the node exited: \(node.outputText)")
        try cluster.start()
        let ports = try await node.waitUntilListening()
        #expect(try await HTTPTestClient.send(Self.factory.json(id: "evt-late"), port: ports.ingest).status == 200)
        #expect(await Polling.until { Self.eventIDs(sink).contains("evt-late") })
        node.terminate()
        #expect(await node.waitForExit() == 0)
        await sink.stop()
    }

    @Test(
        "three nodes, one killed with -9 under load: every 200 is delivered, its claims by the others once the lease ran out",
        .enabled(if: PostgresCluster.testsRun, Comment(rawValue: PostgresCluster.missingMessage))
    )
    func killNodeUnderLoad() async throws {
        try RequiredTool.require(PostgresCluster.available, PostgresCluster.missingMessage)
        let store = try PostgresCluster.shared().createDatabase()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Attempts hang at first: node 0 holds its claims on the wire when it dies.
        let hanging = try await SinkServer.start(.hang)
        let port = hanging.port
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:\(port)/crm", retry: #"["1s"]"#, extra: #"timeout = "1s""#)
            + DeliveryTests.route(["crm"])
        let nodes = try await Self.startNodes(3, store: store, directory: directory, server: #"claim_lease = "6s""#, body: body)

        var accepted: Set<String> = []
        for n in 0..<20 {
            let id = "evt-load-\(n)"
            if try await HTTPTestClient.send(Self.factory.json(id: id), port: nodes[0].ingest).status == 200 { accepted.insert(id) }
        }
        #expect(await Polling.until { hanging.requests.count >= 1 }, "node 0 has attempts on the wire")
        nodes[0].process.kill()
        _ = await nodes[0].process.waitForExit()
        await hanging.stop()
        let sink = try await SinkServer.start(.status(200), port: port)
        for n in 20..<40 {
            let id = "evt-load-\(n)"
            if try await HTTPTestClient.send(Self.factory.json(id: id), port: nodes[1 + n % 2].ingest).status == 200 { accepted.insert(id) }
        }
        #expect(accepted.count == 40)
        let delivered = await Polling.until(timeout: .seconds(30)) { accepted.isSubset(of: Set(Self.eventIDs(sink))) }
        #expect(delivered, "never delivered: \(accepted.subtracting(Self.eventIDs(sink)).sorted())")
        await Self.stop(nodes)
        await sink.stop()
    }

    @Test(
        "SIGTERM hands a node's claims back at once: the other node delivers them long before the lease ends",
        .enabled(if: PostgresCluster.testsRun, Comment(rawValue: PostgresCluster.missingMessage))
    )
    func sigtermHandsClaimsBack() async throws {
        try RequiredTool.require(PostgresCluster.available, PostgresCluster.missingMessage)
        let store = try PostgresCluster.shared().createDatabase()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let hanging = try await SinkServer.start(.hang)
        let port = hanging.port
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:\(port)/crm", retry: #"["1s", "1s", "1s"]"#, extra: #"timeout = "60s""#)
            + DeliveryTests.route(["crm"])
        // A lease of 2 minutes: only a hand-back lets the other node deliver within the test.
        let nodes = try await Self.startNodes(
            2, store: store, directory: directory, server: #"claim_lease = "120s""#, body: body, arguments: ["--shutdown-grace", "1"]
        )
        var accepted: Set<String> = []
        for n in 0..<5 {
            let id = "evt-term-\(n)"
            if try await HTTPTestClient.send(Self.factory.json(id: id), port: nodes[0].ingest).status == 200 { accepted.insert(id) }
        }
        #expect(accepted.count == 5)
        #expect(await Polling.until { hanging.requests.count == 5 }, "node 0 has every attempt on the wire")
        nodes[0].process.terminate()
        #expect(await nodes[0].process.waitForExit() == 0)
        await hanging.stop()
        let sink = try await SinkServer.start(.status(200), port: port)
        let delivered = await Polling.until(timeout: .seconds(20)) { accepted.isSubset(of: Set(Self.eventIDs(sink))) }
        #expect(delivered, "not handed back: \(accepted.subtracting(Self.eventIDs(sink)).sorted())")
        await Self.stop(nodes)
        await sink.stop()
    }

    @Test(
        "rate holds for the cluster: two nodes together send no faster than the destination's rate",
        .enabled(if: PostgresCluster.testsRun, Comment(rawValue: PostgresCluster.missingMessage))
    )
    func clusterWideRate() async throws {
        try RequiredTool.require(PostgresCluster.available, PostgresCluster.missingMessage)
        let store = try PostgresCluster.shared().createDatabase()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start(.status(200))
        let body = DeliveryTests.destination("slack", "http://127.0.0.1:\(sink.port)/slack", retry: #"["1s"]"#, extra: #"rate = "4/s""#)
            + DeliveryTests.route(["slack"])
        let nodes = try await Self.startNodes(2, store: store, directory: directory, body: body)
        var accepted: Set<String> = []
        for n in 0..<12 {
            let id = "evt-rate-\(n)"
            if try await HTTPTestClient.send(Self.factory.json(id: id), port: nodes[n % 2].ingest).status == 200 { accepted.insert(id) }
        }
        #expect(accepted.count == 12)
        #expect(await Polling.until(timeout: .seconds(20)) { accepted.isSubset(of: Set(Self.eventIDs(sink))) })
        // 12 at 4/s with a burst of one second's worth: at least 2 s from the first to the last.
        // Each node on its own rate (a burst of 4 each) would be done in about half a second.
        let times = sink.requests.map(\.receivedAt)
        if let first = times.min(), let last = times.max() {
            #expect(last - first >= .milliseconds(1500), "12 deliveries in \(last - first)")
        }
        await Self.stop(nodes)
        await sink.stop()
    }

    @Test(
        "migrate copies a SQLite store with pending retries into PostgreSQL: a node on it delivers them, and dedup, tokens and failures carry over",
        .enabled(if: PostgresCluster.testsRun, Comment(rawValue: PostgresCluster.missingMessage))
    )
    func migrateFromSQLite() async throws {
        try RequiredTool.require(PostgresCluster.available, PostgresCluster.missingMessage)
        let store = try PostgresCluster.shared().createDatabase()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let down = try RefusingPort()
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:\(down.port)/crm", retry: #"["2s", "2s", "2s", "2s"]"#)
            + DeliveryTests.route(["crm"])
        let sqlitePath = try directory.write("sqlite.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let sqlite = try RelayProcess(arguments: ["serve", "--config", sqlitePath])
        let ports = try await sqlite.waitUntilListening()
        var accepted: Set<String> = []
        for n in 0..<5 {
            let id = "evt-move-\(n)"
            if try await HTTPTestClient.send(Self.factory.json(id: id, token: "token-move-\(n)"), port: ports.ingest).status == 200 { accepted.insert(id) }
        }
        #expect(accepted.count == 5)
        // Every delivery failed once and waits for its retry (in the failure log).
        #expect(await Polling.until {
            let failures = try? await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin/api/failures?limit=100"), port: ports.admin)
            return accepted.allSatisfy { failures?.text.contains($0) == true }
        })
        sqlite.terminate()
        #expect(await sqlite.waitForExit() == 0)
        let pause = try await RelayProcess.run(["pause", "--config", sqlitePath, "--destination", "crm"])
        #expect(pause.status == 0, "\(pause.output)")

        let migrate = try await RelayProcess.run(["migrate", "--config", sqlitePath, "--to", store])
        #expect(migrate.status == 0, "\(migrate.output)")
        #expect(migrate.output.contains("copied 5 events (5 deliveries, 5 still to make), 5 tokens and "), "\(migrate.output)")
        #expect(migrate.output.contains("1 paused destinations stay paused"), "\(migrate.output)")
        let again = try await RelayProcess.run(["migrate", "--config", sqlitePath, "--to", store])
        #expect(again.status == 1, "a second copy into a store that has events is refused: \(again.output)")
        // The pause came along: resumed on the shared store, through the node's config.
        let nodePath = try directory.write("node0.conf", Self.config(store: store, dataDirectory: directory.file("data0"), body: body))
        let resume = try await RelayProcess.run(["resume", "--config", nodePath, "--destination", "crm"])
        #expect(resume.status == 0 && resume.output.contains("resumed crm"), "\(resume.output)")

        down.release()
        let sink = try await SinkServer.start(.status(200), port: down.port)
        let nodes = try await Self.startNodes(1, store: store, directory: directory, body: body)
        #expect(await Polling.until(timeout: .seconds(20)) { accepted.isSubset(of: Set(Self.eventIDs(sink))) }, "the retries were not delivered")
        // Dedup and the token rule carry over; so does the failure log.
        let duplicate = try await HTTPTestClient.send(Self.factory.json(id: "evt-move-0", token: "token-move-0"), port: nodes[0].ingest)
        #expect(duplicate.status == 200 && duplicate.text.contains("duplicate"), "\(duplicate.status) \(duplicate.text)")
        let replay = try await HTTPTestClient.send(Self.factory.json(id: "evt-other", token: "token-move-1"), port: nodes[0].ingest)
        #expect(replay.status == 403)
        let failures = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin/api/failures?limit=100"), port: nodes[0].admin)
        #expect(accepted.allSatisfy { failures.text.contains($0) }, "\(failures.text)")
        await Self.stop(nodes)
        await sink.stop()
    }

    @Test(
        "a node older than the schema refuses to start: serve exits 1 with a clear message, the password masked",
        .enabled(if: PostgresCluster.testsRun, Comment(rawValue: PostgresCluster.missingMessage))
    )
    func olderNodeRefuses() async throws {
        try RequiredTool.require(PostgresCluster.available, PostgresCluster.missingMessage)
        let cluster = try PostgresCluster.shared()
        let database = "hr_newer_\(UInt32.random(in: 0...UInt32.max))"
        _ = try cluster.createDatabase(database)
        try cluster.psql("CREATE TABLE hookrelay_schema (version integer NOT NULL); INSERT INTO hookrelay_schema VALUES (999)", database: database)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = "postgres://\(cluster.user):s3cret@127.0.0.1:\(cluster.port)/\(database)"
        let path = try directory.write("node.conf", Self.config(
            store: store, dataDirectory: directory.file("data"),
            body: DeliveryTests.destination("crm", "http://127.0.0.1:9/crm") + DeliveryTests.route(["crm"])
        ))
        let (status, output) = try await RelayProcess.run(["serve", "--config", path])
        #expect(status == 1, "\(output)")
        #expect(output.contains("schema version 999, newer than this hookrelay"), "\(output)")
        #expect(!output.contains("s3cret"), "\(output)")
    }

    @Test(
        "a replay on one node is delivered by another at once (LISTEN/NOTIFY)",
        .enabled(if: PostgresCluster.testsRun, Comment(rawValue: PostgresCluster.missingMessage))
    )
    func replayWakesOtherNode() async throws {
        try RequiredTool.require(PostgresCluster.available, PostgresCluster.missingMessage)
        let store = try PostgresCluster.shared().createDatabase()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sink = try await SinkServer.start(.status(200))
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:\(sink.port)/crm", retry: #"["1h"]"#) + DeliveryTests.route(["crm"])
        let nodes = try await Self.startNodes(2, store: store, directory: directory, body: body)
        #expect(try await HTTPTestClient.send(Self.factory.json(id: "evt-replay"), port: nodes[0].ingest).status == 200)
        #expect(await Polling.until { Self.eventIDs(sink).count == 1 })
        // Node 0 stops: only node 1 can deliver the replay made through node 0's store.
        nodes[0].process.terminate()
        #expect(await nodes[0].process.waitForExit() == 0)
        let replay = try await RelayProcess.run(["replay", "--config", directory.file("node0.conf"), "--event", "evt-replay"])
        #expect(replay.status == 0, "\(replay.output)")
        #expect(await Polling.until(timeout: .seconds(5)) { Self.eventIDs(sink).count == 2 })
        await Self.stop(nodes)
        await sink.stop()
    }

    @Test(
        "hookrelay reload on a PostgreSQL node: an added destination gets the events accepted after it, its rate held in the shared store; claim_lease waits for a restart",
        .enabled(if: PostgresCluster.testsRun, Comment(rawValue: PostgresCluster.missingMessage))
    )
    func reloadAddsDestination() async throws {
        try RequiredTool.require(PostgresCluster.available, PostgresCluster.missingMessage)
        let cluster = try PostgresCluster.shared()
        let store = try cluster.createDatabase()
        let database = String(store.split(separator: "/").last!)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let crm = try await SinkServer.start(.status(200))
        let ops = try await SinkServer.start(.status(200))
        let before = DeliveryTests.destination("crm", "http://127.0.0.1:\(crm.port)/crm", retry: #"["1s"]"#) + DeliveryTests.route(["crm"])
        let nodes = try await Self.startNodes(1, store: store, directory: directory, body: before)
        let node = nodes[0]
        #expect(try await HTTPTestClient.send(Self.factory.json(id: "before-reload"), port: node.ingest).status == 200)
        #expect(await Polling.until { Self.eventIDs(crm).contains("before-reload") })

        let after = DeliveryTests.destination("crm", "http://127.0.0.1:\(crm.port)/crm", retry: #"["1s"]"#)
            + DeliveryTests.destination("ops", "http://127.0.0.1:\(ops.port)/ops", retry: #"["1s"]"#, extra: #"rate = "600/m""#)
            + DeliveryTests.route(["crm", "ops"])
        let path = try directory.write("node0.conf", Self.config(
            store: store, dataDirectory: directory.file("data0"), server: #"claim_lease = "45s""#, body: after
        ))
        let reload = try await RelayProcess.run(["reload", "--config", path])
        #expect(reload.status == 0, "\(reload.output)")
        #expect(await Polling.until(timeout: .seconds(5)) { node.process.outputText.contains("config reloaded") }, "\(node.process.outputText)")
        #expect(node.process.outputText.contains("claim_lease"), "the changed claim_lease is logged as needing a restart")

        #expect(try await HTTPTestClient.send(Self.factory.json(id: "after-reload"), port: node.ingest).status == 200)
        #expect(await Polling.until { Self.eventIDs(ops).contains("after-reload") }, "the added destination gets the event")
        #expect(await Polling.until { Self.eventIDs(crm).contains("after-reload") })
        #expect(!Self.eventIDs(ops).contains("before-reload"), "an event accepted before the reload is not routed again")
        // The reloaded rate is the cluster's: its bucket is in the shared store.
        let buckets = try cluster.psql("SELECT destination FROM rate_buckets ORDER BY destination", database: database)
        #expect(buckets.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } == ["ops"], "\(buckets)")
        await Self.stop(nodes)
        await crm.stop()
        await ops.stop()
    }
}
