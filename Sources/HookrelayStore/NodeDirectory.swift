/// A serving node's own `data_dir` when its store lives elsewhere (PostgreSQL, SPEC §10: each
/// node keeps its own `data_dir`, its lock and pid file): made private as the SQLite store makes
/// it (SPEC §11) and locked, so two nodes on one host cannot share it by mistake.
public final class NodeDirectory: Sendable {
    /// What was open to other users before (the relay logs a warning for each).
    public let tightenedModes: [TightenedMode]
    private let lock: DataDirectoryLock

    public init(_ directory: String) throws {
        tightenedModes = try DataDirectoryModes.secure(directory)
        lock = try DataDirectoryLock(directory: directory)
    }

    /// Lets another `serve` have the directory (at stop; a crash releases it too).
    public func release() {
        lock.release()
    }
}
