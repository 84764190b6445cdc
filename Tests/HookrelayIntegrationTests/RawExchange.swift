import HookrelayTestSupport
import Testing

/// Sends bytes as they are on one connection and returns all the server sent until it closed:
/// for requests the test HTTP client will not write (HTTP/1.0, broken chunking). Python's socket
/// module does the sending, so nothing in between parses or fixes the request.
enum RawExchange {
    static func send(_ request: String, port: Int, in directory: TemporaryDirectory) async throws -> String {
        let file = try directory.write("raw-request-\(port)-\(request.utf8.count).bin", request)
        let script = """
            import socket, sys
            s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
            s.sendall(open(sys.argv[2], 'rb').read())
            out = b''
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                out += chunk
            sys.stdout.write(out.decode('latin-1'))
            """
        let python = try ChildProcess(executable: "/usr/bin/python3", arguments: ["-c", script, String(port), file])
        #expect(await Polling.until(timeout: .seconds(30)) { !python.isRunning })
        _ = await python.waitForOutputEnd()
        return python.outputText
    }
}
