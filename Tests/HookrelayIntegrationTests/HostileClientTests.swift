import Foundation
import HookrelayCore
import HookrelayTestSupport
import Testing

/// SPEC §11 against a real `hookrelay serve`: what a client that means harm can hold of the
/// relay (memory for bodies, connections, time for a head), and that real senders still get in.
@Suite("Hostile clients", .serialized)
struct HostileClientTests {
    let mailgun = MailgunEventFactory(key: ProcessSupport.signingKey)

    /// A relay process with `server` added to its [server] table; events go to a closed port.
    static func start(server: String) async throws -> (relay: RelayProcess, ports: (ingest: Int, admin: Int), directory: TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let text = """
            [server]
            listen = "127.0.0.1:0"
            admin_listen = "127.0.0.1:0"
            data_dir = "\(directory.file("data"))"
            \(server)

            [[source]]
            name = "mailgun"
            path = "/webhooks/mailgun"
            verify = "mailgun"
            keys = ["\(ProcessSupport.signingKey)"]

            [[destination]]
            name = "crm"
            url = "http://127.0.0.1:9/crm"
            retry = ["1h"]

            [[route]]
            source = "mailgun"
            events = ["*"]
            to = ["crm"]
            """
        let path = try directory.write("relay.conf", text)
        let relay = try RelayProcess(arguments: ["serve", "--config", path])
        do {
            return (relay, try await relay.waitUntilListening(), directory)
        } catch {
            relay.kill()
            directory.remove()
            throw error
        }
    }

    static func stop(_ relay: RelayProcess, _ directory: TemporaryDirectory) async {
        relay.terminate()
        _ = await relay.waitForExit()
        directory.remove()
    }

    /// The head of a Mailgun POST that declares `length` bytes of body.
    static func head(declaring length: Int) -> String {
        "POST /webhooks/mailgun HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\n\r\n"
    }

    @Test("100 clients holding 10 MiB bodies: memory stays bounded, the overflow gets 503, a signed event still gets 200")
    func heldBodies() async throws {
        let (relay, ports, directory) = try await Self.start(server: "max_body = \"10MiB\"")
        let size = 10 << 20
        // Each client declares 10 MiB and sends all of it but the last byte, then holds the connection.
        let held: [(connection: RawConnection, refused: Bool)] = await Blocking.run {
            let body = [UInt8](repeating: UInt8(ascii: "x"), count: size - 1)
            return (0..<100).compactMap { _ in
                guard let connection = try? RawConnection(port: ports.ingest) else { return nil }
                connection.send(Self.head(declaring: size))
                let completed = connection.send(body)
                // A client refused at its head has its answer waiting, and the connection closed.
                let early = connection.receive(timeout: .milliseconds(completed ? 20 : 2000))
                return (connection, RawConnection.status(of: early.bytes) == 503)
            }
        }
        #expect(held.count == 100)
        let refused = held.filter(\.refused).count
        // 256 MiB by default, of which three quarters for large bodies: about 19 of them fit.
        #expect(refused >= 75, "only \(refused) of 100 held 10 MiB bodies were refused")
        #expect(refused < 100, "no 10 MiB body was admitted at all")
        let memory = try #require(ProcessMemory.resident(of: relay.processIdentifier))
        #expect(memory.peak <= 400 << 20, "peak RSS \(memory.peak >> 20) MiB with 100 held 10 MiB bodies")

        // A real sender still gets in, its body fits the quarter kept for small ones.
        let answer = try await HTTPTestClient.send(mailgun.json(id: "evt-held-bodies"), port: ports.ingest)
        #expect(answer.status == 200)

        // Once the held bodies go away, their room comes back: a 10 MiB body is admitted again.
        for (connection, _) in held { connection.close() }
        let admitted = await Polling.until(timeout: .seconds(10)) {
            await Blocking.run {
                guard let probe = try? RawConnection(port: ports.ingest) else { return false }
                defer { probe.close() }
                probe.send(Self.head(declaring: size))
                let early = probe.receive(timeout: .milliseconds(200))
                return early.bytes.isEmpty && !early.closed
            }
        }
        #expect(admitted, "a 10 MiB body is still refused after every held body went away")
        await Self.stop(relay, directory)
    }

    @Test("large bodies take at most three quarters of max_buffered; the overflow is 503 with Retry-After and closed")
    func bufferCapKeepsAQuarterForSmallBodies() async throws {
        let (relay, ports, directory) = try await Self.start(server: "max_body = \"2MiB\"\nmax_buffered = \"4MiB\"")
        // Two clients declare 2 MiB each: 4 MiB do not fit the 3 MiB that large bodies may take,
        // so whichever comes second is refused at its head, and the first one is not.
        let outcomes = await Blocking.run { () -> [(connection: RawConnection, bytes: [UInt8], closed: Bool)] in
            let clients = (0..<2).compactMap { _ in try? RawConnection(port: ports.ingest) }
            for client in clients {
                client.send(Self.head(declaring: 2 << 20))
                client.send([UInt8](repeating: 0x20, count: 1 << 20))
            }
            return clients.map { client in
                let answer = client.receive(timeout: .seconds(3))
                return (client, answer.bytes, answer.closed)
            }
        }
        #expect(outcomes.count == 2)
        let refused = outcomes.filter { RawConnection.status(of: $0.bytes) == 503 }
        #expect(refused.count == 1, "\(outcomes.map { String(decoding: $0.bytes, as: UTF8.self) })")
        if let refusal = refused.first {
            #expect(String(decoding: refusal.bytes, as: UTF8.self).lowercased().contains("retry-after:"))
            #expect(refusal.closed)
        }
        #expect(outcomes.contains { $0.bytes.isEmpty && !$0.closed }, "the first 2 MiB body was not admitted")
        // A Mailgun event (small) is still accepted: its quarter is kept.
        #expect(try await HTTPTestClient.send(mailgun.json(id: "evt-small-fits"), port: ports.ingest).status == 200)
        outcomes.forEach { $0.connection.close() }
        await Self.stop(relay, directory)
    }

    @Test("a head sent a byte at a time is cut off at header_timeout, though every byte resets idle_timeout")
    func slowHead() async throws {
        let (relay, ports, directory) = try await Self.start(server: "header_timeout = \"300ms\"\nidle_timeout = \"30s\"")
        let started = ContinuousClock.now
        let closed = await Blocking.run { () -> Bool in
            guard let connection = try? RawConnection(port: ports.ingest) else { return false }
            defer { connection.close() }
            for byte in "POST /webhooks/mailgun HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: \(String(repeating: "a", count: 200))".utf8 {
                guard connection.send([byte]) else { return true }
                if connection.receive(timeout: .milliseconds(50)).closed { return true }
                if ContinuousClock.now - started > .seconds(5) { return false }
            }
            return false
        }
        #expect(closed, "a connection still sending its head slowly was kept open")
        #expect(ContinuousClock.now - started < .seconds(5))

        // On a kept-alive connection the next head is due within header_timeout of the answer.
        let keptAlive = await Blocking.run { () -> (status: Int?, closed: Bool) in
            guard let connection = try? RawConnection(port: ports.ingest) else { return (nil, false) }
            defer { connection.close() }
            connection.send("GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let answer = connection.receive(timeout: .seconds(3))
            return (RawConnection.status(of: answer.bytes), answer.closed)
        }
        #expect(keptAlive.status == 404)
        #expect(keptAlive.closed, "an idle kept-alive connection outlived header_timeout")
        await Self.stop(relay, directory)
    }

    @Test("an event id with a control character, or over 512 bytes, is 400 and not stored; 512 bytes are taken")
    func hostileEventIDs() async throws {
        let (relay, ports, directory) = try await Self.start(server: "")
        for id in ["evt\ttab", "evt\u{7F}del", "evt\u{1B}[31mred", String(repeating: "a", count: 513)] {
            let answer = try await HTTPTestClient.send(mailgun.json(id: id), port: ports.ingest)
            #expect(answer.status == 400, "id \(id.debugDescription.prefix(40)): \(answer.status)")
        }
        #expect(try await HTTPTestClient.send(mailgun.json(id: String(repeating: "b", count: 512)), port: ports.ingest).status == 200)
        let stored = try await HTTPTestClient.send(TestRequest(method: "GET", path: "/admin/api/events/evt%09tab"), port: ports.admin)
        #expect(stored.status == 404, "a refused id was stored")
        await Self.stop(relay, directory)
    }

    @Test("thousands of requests pipelined behind a slow one are answered one per turn: no stack overflow")
    func pipelinedBehindASlowRequest() async throws {
        let (relay, ports, directory) = try await Self.start(server: "")
        let answered = await Blocking.run { () -> Int in
            guard let connection = try? RawConnection(port: ports.ingest) else { return -1 }
            defer { connection.close() }
            // An unsigned body over 64 KiB is verified off the event loop, so its answer comes later;
            // its last byte goes out with 8,000 pipelined GETs, which NIO holds until that answer.
            let body = [UInt8](repeating: UInt8(ascii: " "), count: 70_000)
            connection.send(Self.head(declaring: body.count))
            connection.send(Array(body.dropLast()))
            connection.send(body.suffix(1) + Array(String(repeating: "GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", count: 8000).utf8))
            var received: [UInt8] = []
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let chunk = connection.receive(timeout: .milliseconds(500))
                received += chunk.bytes
                if chunk.closed || (chunk.bytes.isEmpty && !received.isEmpty) { break }
            }
            return String(decoding: received, as: UTF8.self).components(separatedBy: "HTTP/1.1 404").count - 1
        }
        #expect(relay.isRunning, "the relay died: \(relay.outputText.suffix(300))")
        #expect(answered == 8000, "\(answered) of 8,000 pipelined requests answered")
        #expect(try await HTTPTestClient.send(mailgun.json(id: "evt-after-pipeline"), port: ports.ingest).status == 200)
        await Self.stop(relay, directory)
    }

    @Test("a client that never reads its answers stops being read: memory stays flat")
    func clientThatNeverReads() async throws {
        let (relay, ports, directory) = try await Self.start(server: "")
        let before = try #require(ProcessMemory.resident(of: relay.processIdentifier)).now
        let sent = await Blocking.run { () -> Int in
            guard let connection = try? RawConnection(port: ports.ingest, sendTimeout: 2) else { return -1 }
            defer { connection.close() }
            // Each answer (404) repeats the 8 KiB path, JSON-escaped to twice its size.
            let request = Array("GET /\(String(repeating: "\"", count: 8000)) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
            var sent = 0
            for _ in 0..<5000 {  // 40 MB, if the relay kept reading
                guard connection.send(request) else { break }
                sent += request.count
            }
            return sent
        }
        let after = try #require(ProcessMemory.resident(of: relay.processIdentifier)).now
        #expect(sent < 20 << 20, "the relay read \(sent >> 20) MiB from a client that reads nothing back")
        #expect(after - before < 32 << 20, "RSS grew by \((after - before) >> 20) MiB")
        #expect(relay.isRunning)
        await Self.stop(relay, directory)
    }

    @Test("past max_connections a new connection is closed at once; the open ones still work")
    func connectionCap() async throws {
        let (relay, ports, directory) = try await Self.start(server: "max_connections = 4")
        let outcome = await Blocking.run { () -> (extraClosed: Bool, status: Int?) in
            let open = (0..<4).compactMap { _ in try? RawConnection(port: ports.ingest) }
            defer { open.forEach { $0.close() } }
            guard open.count == 4 else { return (false, nil) }
            // Each one has reached the relay (a request answered) before the fifth comes.
            for connection in open {
                connection.send("GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                _ = connection.receive(timeout: .milliseconds(300))
            }
            guard let extra = try? RawConnection(port: ports.ingest) else { return (true, nil) }
            defer { extra.close() }
            let closed = extra.receive(timeout: .seconds(3)).closed
            open[0].send("GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            return (closed, RawConnection.status(of: open[0].receive(timeout: .milliseconds(500)).bytes))
        }
        #expect(outcome.extraClosed, "a connection past max_connections was kept open")
        #expect(outcome.status == 404, "an open connection stopped working")
        await Self.stop(relay, directory)
    }
}
