import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster for the tests (SPEC §10): `initdb` into a temporary
/// directory, a server on a free loopback port with its unix socket inside that directory,
/// `fsync` on. Started and stopped by the tests (`stop()`/`start()` to take it away under a
/// running relay). initdb and postgres refuse to run as root, so as root (CI) they run as the
/// `postgres` user (or `nobody`) with the data directory chowned to it.
///
/// `available` says whether the server binaries exist; a test needing them skips with
/// `missingMessage` when they do not, except in CI (`CI=true`), where it must fail instead.
public final class PostgresCluster: Sendable {
    /// Directory of `initdb`, `pg_ctl` and `psql`: `HOOKRELAY_PG_BIN`, else Debian's
    /// `/usr/lib/postgresql/<newest>/bin`, else the directory on PATH holding `initdb`.
    public static let binDirectory: String? = {
        let fileManager = FileManager.default
        if let configured = ProcessInfo.processInfo.environment["HOOKRELAY_PG_BIN"] {
            return fileManager.isExecutableFile(atPath: "\(configured)/initdb") ? configured : nil
        }
        let debian = "/usr/lib/postgresql"
        if let versions = try? fileManager.contentsOfDirectory(atPath: debian) {
            for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
                let bin = "\(debian)/\(version)/bin"
                if fileManager.isExecutableFile(atPath: "\(bin)/initdb") { return bin }
            }
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            if fileManager.isExecutableFile(atPath: "\(directory)/initdb") && fileManager.isExecutableFile(atPath: "\(directory)/pg_ctl") {
                return String(directory)
            }
        }
        return nil
    }()

    /// True when the server binaries are installed.
    public static var available: Bool { binDirectory != nil }
    /// True in a CI run (`CI=true`): a missing server fails the tests instead of skipping them.
    public static let isCI = ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true"
    /// Whether tests needing PostgreSQL run (they then fail if it is missing, in CI).
    public static var testsRun: Bool { available || isCI }
    public static let missingMessage = "PostgreSQL server binaries (initdb, pg_ctl) are missing: run script/setup-tests (apt-get install postgresql) or set HOOKRELAY_PG_BIN"

    /// The loopback port the server listens on.
    public let port: Int
    /// The superuser (trust authentication on loopback and the socket).
    public let user = "hookrelay"
    private let directory: TemporaryDirectory
    private let bin: String
    /// The user the server runs as when the tests run as root.
    private let runAs: String?

    /// Creates the cluster and starts it.
    public init() throws {
        guard let bin = Self.binDirectory else { throw PostgresClusterError(Self.missingMessage) }
        self.bin = bin
        directory = try TemporaryDirectory(prefix: "hookrelay-pg")
        let held = try RefusingPort()
        port = held.port
        held.release()
        runAs = geteuid() == 0 ? Self.unprivilegedUser() : nil
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        if let runAs {
            // The server writes its log next to the data directory: all of it is that user's.
            for path in [directory.path, dataDirectory, socketDirectory] { try Self.chown(path, to: runAs) }
        }
        chmod(dataDirectory, 0o700)
        try run("\(bin)/initdb", ["-D", dataDirectory, "-U", user, "--auth=trust", "-E", "UTF8", "--no-instructions", "--no-sync"], asServer: true)
        try start()
    }

    deinit {
        try? stop()
        directory.remove()
    }

    public var dataDirectory: String { directory.file("data") }
    public var socketDirectory: String { directory.file("socket") }

    /// A `postgres://` URL of `database` on this cluster.
    public func url(database: String = "postgres") -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database)"
    }

    /// Starts the server (fsync on) and waits until it takes connections.
    public func start() throws {
        let options = "-p \(port) -k \(socketDirectory) -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on"
            + " -c max_connections=300 -c shared_buffers=32MB"
        try run("\(bin)/pg_ctl", ["-D", dataDirectory, "-l", directory.file("server.log"), "-o", options, "-w", "-t", "60", "start"], asServer: true)
    }

    /// Stops the server (fast: open connections are cut, as when PostgreSQL goes down).
    public func stop() throws {
        try run("\(bin)/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], asServer: true)
    }

    /// Creates an empty database and returns its URL.
    public func createDatabase(_ name: String? = nil) throws -> String {
        let name = name ?? "hr_" + UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(16)
        try psql("CREATE DATABASE \(name)")
        return url(database: name)
    }

    /// Runs SQL through `psql` on the `postgres` database (or `database`); returns its output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try run("\(bin)/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-c", sql], asServer: false)
    }

    /// The server's log (for a failing test's message).
    public var serverLog: String { (try? String(contentsOfFile: directory.file("server.log"), encoding: .utf8)) ?? "" }

    /// One cluster for the whole test process, started at first use and stopped at exit.
    public static func shared() throws -> PostgresCluster {
        try sharedCluster.withLock { cluster in
            if let cluster { return cluster }
            let started = try PostgresCluster()
            cluster = started
            atexit {
                PostgresCluster.sharedCluster.withLock { cluster in
                    try? cluster?.stop()
                    cluster = nil
                }
            }
            return started
        }
    }

    private static let sharedCluster = Mutex<PostgresCluster?>(nil)

    @discardableResult
    private func run(_ executable: String, _ arguments: [String], asServer: Bool) throws -> String {
        let process: ChildProcess
        if asServer, let runAs {
            process = try ChildProcess(executable: "/usr/sbin/runuser", arguments: ["-u", runAs, "--", executable] + arguments, stdin: .null)
        } else {
            process = try ChildProcess(executable: executable, arguments: arguments, stdin: .null)
        }
        let termination = process.waitUntilExit()
        let deadline = ContinuousClock.now + .seconds(5)
        while !process.outputEnded && ContinuousClock.now < deadline { usleep(5_000) }
        guard termination == .exited(0) else {
            throw PostgresClusterError("\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) failed (\(termination)): \(process.outputText)")
        }
        return process.outputText
    }

    /// `postgres` when that user exists, else `nobody`.
    private static func unprivilegedUser() -> String {
        getpwnam("postgres") != nil ? "postgres" : "nobody"
    }

    private static func chown(_ path: String, to user: String) throws {
        guard let entry = getpwnam(user) else { throw PostgresClusterError("no user \(user)") }
        guard Glibc.chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
            throw PostgresClusterError("chown \(path) to \(user): errno \(errno)")
        }
    }
}

/// Why a `PostgresCluster` could not be set up or driven.
public struct PostgresClusterError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
