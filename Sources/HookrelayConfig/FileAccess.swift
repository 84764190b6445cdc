#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers, so the config target needs no Foundation.
enum FileAccess {
    /// The whole file as UTF-8 text (invalid sequences replaced), or a reason it cannot be read.
    static func readText(_ path: String) -> Result<String, FileReadFailure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(FileReadFailure(message: lastError())) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(FileReadFailure(message: lastError()))
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
            if bytes.count > 16 * 1024 * 1024 { return .failure(FileReadFailure(message: "file larger than 16 MiB")) }
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    /// The directory part of a path: `"."` for a bare file name, `"/"` for a file in the root.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `path` when absolute, else `path` relative to `directory`.
    static func resolve(_ path: String, relativeTo directory: String) -> String {
        if path.hasPrefix("/") || directory == "." || directory.isEmpty { return path }
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        return directory.hasSuffix("/") ? directory + relative : directory + "/" + relative
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}

struct FileReadFailure: Error {
    var message: String
}
