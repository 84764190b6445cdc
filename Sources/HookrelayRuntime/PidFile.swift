import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `hookrelay.pid` in `data_dir`: the serving relay's process id, so `hookrelay reload` can
/// signal it (SPEC §12). Written once the store holds the directory's lock, removed at a clean
/// stop; a file left by a crash is harmless (`reload` also checks the lock is held).
public struct PidFile: Sendable {
    public static let name = "hookrelay.pid"
    public let path: String

    public init(directory: String) {
        path = directory + "/" + Self.name
    }

    /// Writes this process's id (mode 0600, like everything in `data_dir`).
    public func write() throws {
        let text = "\(getpid())\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PidFileError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        _ = fchmod(fd, 0o600)
        let written = text.utf8CString.withUnsafeBufferPointer { systemWrite(fd, $0.baseAddress, $0.count - 1) }
        guard written == text.utf8.count else { throw PidFileError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    /// The process id in the file; nil when there is none or it is not a number.
    public func read() -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        return pid
    }

    public func remove() {
        unlink(path)
    }

    /// Removes the file when it holds this process's id.
    public func removeIfOwn() {
        if read() == getpid() { remove() }
    }
}

public struct PidFileError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif
