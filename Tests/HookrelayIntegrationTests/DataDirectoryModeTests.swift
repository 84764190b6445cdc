import Foundation
import HookrelayTestSupport
import Testing

/// SPEC §11: `data_dir` is 0700 and every file in it 0600, whatever the umask; a looser
/// existing `data_dir` is tightened at start with a warning. A real relay process.
@Suite("Data directory modes", .serialized)
struct DataDirectoryModeTests {
    @Test("started under umask 022: data_dir 0700 and every file in it 0600 after an event was accepted")
    func privateUnderUmask022() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.file("data")
        let relay = try await Self.startedRelay(directory: directory, data: data)
        defer { relay.kill() }
        let ports = try await relay.waitUntilListening()
        let response = try await HTTPTestClient.send(MailgunEventFactory(key: ProcessSupport.signingKey).json(), port: ports.ingest)
        #expect(response.status == 200)

        let files = try Self.modes(in: data)
        #expect(try Self.mode(of: data) == 0o700)
        #expect(files.keys.contains("hookrelay.sqlite") && files.keys.contains("hookrelay.sqlite-wal") && files.keys.contains("hookrelay.sqlite-shm") && files.keys.contains("hookrelay.lock"), "\(files)")
        for (name, mode) in files {
            #expect(mode == 0o600, "\(name) is \(String(mode, radix: 8))")
        }
        relay.terminate()
        #expect(await relay.waitForExit() == 0)
    }

    @Test("an existing 0755 data_dir with 0644 files is tightened at start, with a warning")
    func looserDirectoryTightened() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        #expect(chmod(data, 0o755) == 0)
        let stray = (data as NSString).appendingPathComponent("hookrelay.sqlite")
        #expect(FileManager.default.createFile(atPath: stray, contents: nil))
        #expect(chmod(stray, 0o644) == 0)

        let relay = try await Self.startedRelay(directory: directory, data: data)
        defer { relay.kill() }
        _ = try await relay.waitUntilListening()
        #expect(try Self.mode(of: data) == 0o700)
        for (name, mode) in try Self.modes(in: data) {
            #expect(mode == 0o600, "\(name) is \(String(mode, radix: 8))")
        }
        let warnings = relay.outputText.split(separator: "\n").filter { $0.contains("level=warning") && $0.contains("made private") }
        #expect(warnings.contains { $0.contains("mode=755") && $0.contains("now=700") }, "\(relay.outputText)")
        #expect(warnings.contains { $0.contains("hookrelay.sqlite") && $0.contains("mode=644") }, "\(relay.outputText)")
        relay.terminate()
        #expect(await relay.waitForExit() == 0)
    }

    /// A relay started with umask 022 (the child inherits the umask at spawn; it is the usual
    /// default, so setting it around the spawn does not change what other tests see).
    static func startedRelay(directory: TemporaryDirectory, data: String) async throws -> RelayProcess {
        let body = DeliveryTests.destination("crm", "http://127.0.0.1:9/crm", retry: #"["1h"]"#) + DeliveryTests.route(["crm"])
        let path = try directory.write("relay.conf", ProcessSupport.config(dataDirectory: data, body: body))
        let previous = umask(0o022)
        defer { umask(previous) }
        return try RelayProcess(arguments: ["serve", "--config", path])
    }

    static func mode(of path: String) throws -> mode_t {
        var status = stat()
        guard lstat(path, &status) == 0 else { throw CocoaError(.fileReadNoPermission) }
        return status.st_mode & 0o7777
    }

    /// Every entry of `directory` with its permission bits.
    static func modes(in directory: String) throws -> [String: mode_t] {
        var modes: [String: mode_t] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            modes[name] = try mode(of: (directory as NSString).appendingPathComponent(name))
        }
        return modes
    }
}
