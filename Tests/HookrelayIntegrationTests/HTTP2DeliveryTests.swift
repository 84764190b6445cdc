import Foundation
import HookrelayCore
import HookrelayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// HTTP/2 to a partner that speaks it, against a real one (nginx over TLS, HTTP/2 offered by
/// ALPN): with `http_version` left at `auto` the deliveries go as HTTP/2, multiplexed on one
/// connection per curl thread (the attempts go to the threads in turn); the same burst to a `1.1` destination on the same server goes as HTTP/1.1.
/// nginx's access log says which protocol and connection carried each request.
@Suite("HTTP/2 delivery", .serialized)
struct HTTP2DeliveryTests {
    static let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static let available = nginx != nil && RequiredTool.onPath("openssl")

    @Test(
        "https partner offering HTTP/2: auto sends every attempt as HTTP/2 on one multiplexed connection per curl thread; 1.1 sends HTTP/1.1",
        .enabled(if: RequiredTool.runs(available), "nginx or openssl is not installed (script/setup-tests installs nginx-light)")
    )
    func multiplexed() async throws {
        try RequiredTool.require(Self.available, "nginx and openssl (script/setup-tests installs nginx-light)")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await NginxSink.start(binary: Self.nginx!, directory: directory.file("nginx"))
        let ca = "ca_file = \"\(server.certificateFile)\""
        let body = DeliveryTests.destination("h2", "https://127.0.0.1:\(server.port)/h2", extra: ca)
            + DeliveryTests.destination("h1", "https://127.0.0.1:\(server.secondPort)/h1", extra: ca + "\nhttp_version = \"1.1\"")
            + DeliveryTests.route(["h2", "h1"])
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: directory.file("data"), body: body))
        let relay = try RelayProcess(arguments: ["serve", "--config", path])
        defer { relay.kill() }
        let ports = try await relay.waitUntilListening()

        let factory = MailgunEventFactory(key: ProcessSupport.signingKey)
        let events = 40
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<events {
                group.addTask { try await HTTPTestClient.send(factory.json(id: "h2-\(index)"), port: ports.ingest).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(await Polling.until(timeout: .seconds(15)) { server.lines(path: "/h2").count >= events && server.lines(path: "/h1").count >= events },
                "h2 \(server.lines(path: "/h2").count), h1 \(server.lines(path: "/h1").count); \(relay.outputText.suffix(2000))")
        let h2 = server.lines(path: "/h2")
        let h1 = server.lines(path: "/h1")
        #expect(h2.allSatisfy { $0.protocolName == "HTTP/2.0" }, "\(h2.map(\.protocolName))")
        #expect(h1.allSatisfy { $0.protocolName == "HTTP/1.1" }, "\(h1.map(\.protocolName))")
        let threads = try #require(Self.curlThreads(in: relay.outputText))
        #expect(Set(h2.map(\.connection)).count <= threads, "HTTP/2 attempts used \(Set(h2.map(\.connection)).count) connections, \(threads) curl threads")
        #expect(Set(h1.map(\.connection)).count > 1, "HTTP/1.1 attempts in parallel need connections of their own")
        #expect(h2.allSatisfy { $0.status == 200 })
        #expect(!relay.outputText.contains("delivery attempt failed"), "\(relay.outputText.suffix(2000))")
        await server.stop()
    }

    /// The `curl_threads` of the relay's `listening` line.
    static func curlThreads(in output: String) -> Int? {
        guard let range = output.range(of: "curl_threads=") else { return nil }
        return Int(output[range.upperBound...].prefix { $0.isNumber })
    }
}

/// nginx on a loopback port over TLS (a certificate made by the openssl command line), offering
/// HTTP/2 and HTTP/1.1 by ALPN, answering 200 to everything and logging protocol, connection
/// number, path and status per request.
final class NginxSink: @unchecked Sendable {
    struct Line {
        var protocolName: String
        var connection: String
        var path: String
        var status: Int
    }

    let port: Int
    /// The same server on a second port: destinations on one host and port share connections,
    /// so a `1.1` destination's idle connections could carry an `auto` one's attempts.
    let secondPort: Int
    let certificateFile: String
    private let directory: String
    private let process: ChildProcess

    /// Starts nginx and waits until both ports answer.
    static func start(binary: String, directory: String) async throws -> NginxSink {
        let sink = try NginxSink(binary: binary, directory: directory)
        let up = await Polling.until(timeout: .seconds(10)) { Self.accepts(sink.port) && Self.accepts(sink.secondPort) }
        guard up else {
            sink.process.signal(SIGKILL)
            let log = (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? ""
            throw NginxSinkError(description: "nginx did not start: \(log)")
        }
        return sink
    }

    private init(binary: String, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        // The workers run as nobody when the master is root: they write request bodies under tmp.
        chmod(directory, 0o777)
        chmod(directory + "/tmp", 0o777)
        self.directory = directory
        port = try Self.freePort()
        secondPort = try Self.freePort()
        certificateFile = directory + "/cert.pem"
        let keyFile = directory + "/key.pem"
        let openssl = try ChildProcess(executable: "/usr/bin/env", arguments: [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyFile, "-out", certificateFile, "-days", "2", "-subj", "/CN=hookrelay-test-h2",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        guard openssl.waitUntilExit() == .exited(0) else { throw NginxSinkError(description: "openssl: \(openssl.outputText)") }
        chmod(keyFile, 0o644)
        let conf = """
            worker_processes 1;
            daemon off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log;
            events { worker_connections 512; }
            http {
                log_format sink '$server_protocol $connection $request_uri $status';
                access_log \(directory)/access.log sink;
                client_body_temp_path \(directory)/tmp;
                proxy_temp_path \(directory)/tmp;
                fastcgi_temp_path \(directory)/tmp;
                uwsgi_temp_path \(directory)/tmp;
                scgi_temp_path \(directory)/tmp;
                server {
                    listen 127.0.0.1:\(port) ssl http2;
                    listen 127.0.0.1:\(secondPort) ssl http2;
                    ssl_certificate \(certificateFile);
                    ssl_certificate_key \(keyFile);
                    location / { return 200 "ok\\n"; }
                }
            }
            """
        try conf.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        process = try ChildProcess(executable: binary, arguments: ["-p", directory, "-c", directory + "/nginx.conf"])
    }

    func lines(path: String) -> [Line] {
        let text = (try? String(contentsOfFile: directory + "/access.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { raw in
            let fields = raw.split(separator: " ")
            guard fields.count == 4, let status = Int(fields[3]) else { return nil }
            return Line(protocolName: String(fields[0]), connection: String(fields[1]), path: String(fields[2]), status: status)
        }.filter { $0.path == path }
    }

    /// A fast shutdown (SIGTERM ends the workers too; nginx removes its pid file when done).
    func stop() async {
        process.signal(SIGTERM)
        let pidFile = directory + "/nginx.pid"
        _ = await Polling.until(timeout: .seconds(5)) { !FileManager.default.fileExists(atPath: pidFile) }
        process.signal(SIGKILL)
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NginxSinkError(description: "socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw NginxSinkError(description: "bind: \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        guard let connection = try? RawConnection(port: port) else { return false }
        connection.close()
        return true
    }
}

struct NginxSinkError: Error, CustomStringConvertible {
    let description: String
}
