import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps `data_dir` private whatever the umask (SPEC §11): the directory `0700`, every file in
/// it `0600`. The store holds recipients' addresses and whole events, so no other user may read
/// it. SQLite gives the `-wal` and `-shm` files the database file's mode, so creating the
/// database file `0600` before SQLite opens it covers them too.
enum DataDirectoryModes {
    static let directoryMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600

    /// Creates `directory` (`0700`) if missing; tightens it, and every file in it, that others
    /// could read or write. Returns what was tightened, for the relay's warning.
    static func secure(_ directory: String) throws -> [TightenedMode] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var tightened: [TightenedMode] = []
        try tighten(directory, to: directoryMode, into: &tightened)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let path = (directory as NSString).appendingPathComponent(name)
            var status = stat()
            // Not followed: a link's target is not the relay's to change.
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            try tighten(path, to: fileMode, into: &tightened)
        }
        return tightened
    }

    /// Creates the file at `path` `0600` if missing (an existing one was tightened by `secure`).
    static func createPrivateFile(_ path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if fd < 0 && errno == EEXIST { return }
        guard fd >= 0 else { throw DataDirectoryModesError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // `open` applied the umask: set the mode itself (a umask such as 0277 would leave 0400).
        if fchmod(fd, fileMode) != 0 {
            throw DataDirectoryModesError(description: "cannot set the mode of \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func tighten(_ path: String, to mode: mode_t, into tightened: inout [TightenedMode]) throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw DataDirectoryModesError(description: "cannot read the mode of \(path): \(String(cString: strerror(errno)))")
        }
        let old = status.st_mode & 0o7777
        guard old & 0o077 != 0 || old & ~0o777 != 0 else { return }
        guard chmod(path, mode) == 0 else {
            throw DataDirectoryModesError(description: "cannot make \(path) private (mode \(String(mode, radix: 8))): \(String(cString: strerror(errno)))")
        }
        tightened.append(TightenedMode(path: path, oldMode: UInt32(old), newMode: UInt32(mode)))
    }
}

/// A file or directory of `data_dir` that others could read, made private at start.
public struct TightenedMode: Sendable, Equatable {
    public let path: String
    /// Permission bits before and after.
    public let oldMode: UInt32
    public let newMode: UInt32
}

public struct DataDirectoryModesError: Error, CustomStringConvertible {
    public let description: String
}
