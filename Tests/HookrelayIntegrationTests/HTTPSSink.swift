import Foundation
import HookrelayTestSupport

/// A real HTTPS destination on 127.0.0.1 for the TLS tests (SPEC §6): `Tests/Fixtures/tls/
/// https_sink.py` (python3's http.server behind `ssl`) serving a self-signed certificate that the
/// `openssl` command line made for this test in a temporary directory. It answers every POST 200
/// and prints one line per request answered, so `answered` counts the requests that got past the
/// TLS handshake.
final class HTTPSSink: Sendable {
    /// True when `openssl` and `python3` are on PATH.
    static let toolsAvailable = RequiredTool.onPath("openssl") && RequiredTool.onPath("python3")
    static let toolsMessage = "the HTTPS sink needs the openssl command line and python3 on PATH"

    static let script: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tls/https_sink.py").path

    let port: Int
    /// The server's certificate (self-signed, PEM): a `ca_file` that trusts exactly this sink.
    let certificateFile: String
    private let process: ChildProcess
    private let directory: TemporaryDirectory

    /// Makes a key and a self-signed certificate for `subjectAltName` (e.g. `IP:127.0.0.1`),
    /// starts the sink with them and waits until it listens.
    init(subjectAltName: String = "IP:127.0.0.1,DNS:localhost") async throws {
        let directory = try TemporaryDirectory(prefix: "hookrelay-tls")
        self.directory = directory
        certificateFile = directory.file("cert.pem")
        let keyFile = directory.file("key.pem")
        do {
            let openssl = try ChildProcess(executable: "/usr/bin/env", arguments: [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", keyFile, "-out", certificateFile, "-days", "2", "-subj", "/CN=hookrelay-test-sink",
                "-addext", "subjectAltName=\(subjectAltName)",
            ])
            guard openssl.waitUntilExit() == .exited(0) else { throw HTTPSSinkError.certificate(openssl.outputText) }
            process = try ChildProcess(
                executable: "/usr/bin/env", arguments: ["python3", "-u", Self.script],
                environment: ProcessInfo.processInfo.environment.merging(["CERT_FILE": certificateFile, "KEY_FILE": keyFile]) { $1 },
                stdin: .pipe
            )
        } catch {
            directory.remove()
            throw error
        }
        var found: Int?
        let process = self.process
        await Polling.until(timeout: .seconds(30), interval: .milliseconds(20)) {
            found = Self.lines(process.outputText, prefix: "PORT ").first.flatMap { Int($0) }
            return found != nil || !process.isRunning
        }
        guard let found else {
            process.signal(SIGKILL)
            directory.remove()
            throw HTTPSSinkError.notListening(process.outputText)
        }
        port = found
    }

    /// `https://127.0.0.1:PORT/PATH`.
    func url(_ path: String = "/hook") -> String { "https://127.0.0.1:\(port)\(path)" }

    /// Paths of the POSTs answered so far.
    var answered: [String] { Self.lines(process.outputText, prefix: "POST ") }

    /// Everything the sink printed, for failure messages.
    var outputText: String { process.outputText }

    private static func lines(_ text: String, prefix: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// Ends the child (it exits when its stdin closes; SIGKILL after 5 s) and removes its files.
    func stop() async {
        process.closeInput()
        let process = self.process
        if !(await Polling.until(timeout: .seconds(5), { !process.isRunning })) {
            process.signal(SIGKILL)
            await Polling.until(timeout: .seconds(5)) { !process.isRunning }
        }
        directory.remove()
    }
}

/// Runs `body` with a started HTTPS sink and always stops it.
func withHTTPSSink(subjectAltName: String = "IP:127.0.0.1,DNS:localhost", _ body: (HTTPSSink) async throws -> Void) async throws {
    let sink = try await HTTPSSink(subjectAltName: subjectAltName)
    do {
        try await body(sink)
    } catch {
        await sink.stop()
        throw error
    }
    await sink.stop()
}

enum HTTPSSinkError: Error, CustomStringConvertible {
    case certificate(String)
    case notListening(String)

    var description: String {
        switch self {
        case .certificate(let output): return "openssl could not make the test certificate:\n\(output)"
        case .notListening(let output): return "https_sink.py did not print its port; output:\n\(output)"
        }
    }
}
