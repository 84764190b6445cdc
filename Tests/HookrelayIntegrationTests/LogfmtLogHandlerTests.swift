import Foundation
import HookrelayRuntime
import Logging
import Testing

/// The relay's log lines: one logfmt line per call, values quoted only when needed.
@Suite("Logfmt log lines")
struct LogfmtLogHandlerTests {
    /// Logs through a handler writing to a pipe; returns what came out.
    static func capture(_ body: (Logger) -> Void) throws -> String {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let logger = Logger(label: "t") { label in LogfmtLogHandler(label: label, level: .info, fileDescriptor: fds[1]) }
        body(logger)
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("one line: ts, level, msg, sorted metadata; quoting where needed")
    func format() throws {
        let output = try Self.capture { logger in
            logger.info("event accepted", metadata: ["source": "mailgun", "event_id": "evt 1", "reason": "a \"b\"\nc", "deliveries": "3"])
            logger.debug("dropped by level")
        }
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1)
        let line = String(lines[0])
        #expect(line.range(of: #"^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info "#, options: .regularExpression) != nil, "\(line)")
        #expect(line.hasSuffix(#"msg="event accepted" deliveries=3 event_id="evt 1" reason="a \"b\"\nc" source=mailgun"#), "\(line)")
    }
}
