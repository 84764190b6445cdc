import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, for the tests' helpers (the relay, curl, python,
/// a browser). Not Foundation's `Process`: its `run()` in Swift 6.3 on Linux reads past a
/// buffer while listing `/proc/self/fd` and crashes the test process now and then
/// (swift-corelibs-foundation PR #5472); it did here once in a full run.
///
/// Every descriptor of the test process other than the child's stdin, stdout and stderr is
/// closed in the child. The child starts in a process group of its own, with no signal blocked
/// and every signal at its default action.
public final class ChildProcess: Sendable {
    /// What the child's stdin, stdout or stderr is connected to.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// Collected into `outputText` (stdout and stderr together, in arrival order); for
        /// stdin, a pipe the test closes with `closeInput()`.
        case pipe
        /// This file, created or truncated (stdout and stderr only).
        case file(String)
    }

    /// How the child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// Reaped by someone else (or SIGCHLD ignored): it ended, how is unknown.
        case unknown

        /// The exit status, or 128 + the signal number for a death by signal (as shells report
        /// it); -1 when unknown.
        public var status: Int32 {
            switch self {
            case .exited(let code): return code
            case .signaled(let signal): return 128 + signal
            case .unknown: return -1
            }
        }
    }

    public let processIdentifier: Int32
    private let termination = Mutex<Termination?>(nil)
    private let output = OutputBuffer()
    private let inputDescriptor = Mutex<Int32?>(nil)
    /// Reader threads whose pipe reached EOF, of `readerCount`.
    private let readersDone = ReadersDone()
    private let readerCount: Int

    /// Starts `executable` with `arguments`; `environment` nil inherits the test process's.
    public init(
        executable: String, arguments: [String], environment: [String: String]? = nil,
        stdin: Stream = .null, stdout: Stream = .pipe, stderr: Stream = .pipe
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32] = []  // read ends of output pipes
        var childEnds: [Int32] = []  // closed in the parent once the child has them
        var inputEnd: Int32?
        var started = false
        defer {
            for fd in childEnds { close(fd) }
            if !started {
                for fd in parentEnds { close(fd) }
                if let inputEnd { close(inputEnd) }
            }
        }

        func pipePair() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw ChildProcessError.spawn(executable, errno) }
            // Close-on-exec for the other children started meanwhile (this one gets its ends by dup2).
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return (fds[0], fds[1])
        }

        switch stdin {
        case .file:
            preconditionFailure("stdin: .file is not supported; use .null or .pipe")
        case .null:
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .pipe:
            let pair = try pipePair()
            posix_spawn_file_actions_adddup2(&actions, pair.read, 0)
            childEnds.append(pair.read)
            inputEnd = pair.write
        }
        var sharedOutput: Int32?
        for (stream, target) in [(stdout, Int32(1)), (stderr, Int32(2))] {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .pipe:
                // One pipe for both: the output keeps the order the child wrote it in.
                if sharedOutput == nil {
                    let pair = try pipePair()
                    parentEnds.append(pair.read)
                    childEnds.append(pair.write)
                    sharedOutput = pair.write
                }
                posix_spawn_file_actions_adddup2(&actions, sharedOutput!, target)
            }
        }
        guard Self.closeFrom(3, in: &actions) else { throw ChildProcessError.cannotCloseDescriptors }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let envp = variables.map { strdup($0) } + [nil]
        defer { for pointer in envp { free(pointer) } }

        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw ChildProcessError.spawn(executable, rc) }
        started = true
        processIdentifier = pid
        inputDescriptor.withLock { $0 = inputEnd }
        readerCount = parentEnds.count
        for fd in parentEnds {
            let output = self.output
            let done = readersDone
            let reader = Thread {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count > 0 {
                        output.append(Data(buffer[0..<count]))
                    } else if count == 0 || errno != EINTR {
                        break
                    }
                }
                close(fd)
                done.count.add(1, ordering: .releasing)
            }
            reader.name = "child-output"
            reader.start()
        }
    }

    /// Closes every descriptor from `lowest` up in the child (glibc's `_np` extension, 2.34 and
    /// later, found at run time: Swift's Glibc module does not declare it). False when missing.
    private static func closeFrom(_ lowest: Int32, in actions: inout posix_spawn_file_actions_t) -> Bool {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return false }
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        return closeFrom(&actions, lowest) == 0
    }

    /// True until the child has ended (and been reaped).
    public var isRunning: Bool { terminationState == nil }

    /// How the child ended; nil while it runs.
    public var terminationState: Termination? {
        termination.withLock { Self.reap(processIdentifier, into: &$0) }
    }

    /// Reaps the child if it ended (without waiting); `termination` keeps the result.
    private static func reap(_ pid: Int32, into termination: inout Termination?) -> Termination? {
        if let termination { return termination }
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid {
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (they are macros).
            let signal = status & 0x7f
            termination = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
        } else if rc == -1 && errno == ECHILD {
            termination = .unknown
        }
        return termination
    }

    /// Blocks until the child ends (polling every 10 ms, without holding the lock meanwhile).
    @discardableResult
    public func waitUntilExit() -> Termination {
        while true {
            if let ended = terminationState { return ended }
            usleep(10_000)
        }
    }

    /// Sends `signal` to the child if it has not been reaped (until then its pid cannot be reused).
    public func signal(_ signal: Int32) {
        termination.withLock { termination in
            if Self.reap(processIdentifier, into: &termination) == nil { kill(processIdentifier, signal) }
        }
    }

    /// Sends `signal` to the child's process group (the child and what it started, unless they
    /// left the group), if the child has not been reaped.
    public func signalGroup(_ signal: Int32) {
        termination.withLock { termination in
            if Self.reap(processIdentifier, into: &termination) == nil { kill(-processIdentifier, signal) }
        }
    }

    /// Closes the child's stdin pipe (`stdin: .pipe`): it reads EOF.
    public func closeInput() {
        inputDescriptor.withLock { fd in
            if let descriptor = fd { close(descriptor) }
            fd = nil
        }
    }

    /// Everything the child wrote to its piped stdout and stderr so far.
    public var outputText: String { output.text }

    /// True once the output pipes reached EOF (for a blocking caller that polls it).
    public var outputEnded: Bool { readersDone.count.load(ordering: .acquiring) == readerCount }

    /// Waits up to `timeout` for the output pipes to reach EOF (the child and anything that
    /// inherited them have closed them); true when they did.
    public func waitForOutputEnd(timeout: Duration = .seconds(5)) async -> Bool {
        await Polling.until(timeout: timeout, interval: .milliseconds(10)) { [self] in
            readersDone.count.load(ordering: .acquiring) == readerCount
        }
    }

    deinit {
        signal(SIGKILL)
        // Reaped here so no zombie is left behind.
        termination.withLock { termination in
            if termination == nil {
                var status: Int32 = 0
                _ = waitpid(processIdentifier, &status, 0)
            }
        }
        closeInput()
    }
}

/// A child that could not be started.
public enum ChildProcessError: Error, CustomStringConvertible {
    case spawn(String, Int32)
    case cannotCloseDescriptors

    public var description: String {
        switch self {
        case .spawn(let executable, let code): return "cannot start \(executable): \(String(cString: strerror(code)))"
        case .cannotCloseDescriptors: return "posix_spawn_file_actions_addclosefrom_np is missing (glibc 2.34 or later needed)"
        }
    }
}

/// How many of a child's reader threads reached EOF (a class: the threads hold it, not the child).
private final class ReadersDone: Sendable {
    let count = Atomic<Int>(0)
}

/// Bytes collected from a child's pipes, appended from the reader threads.
final class OutputBuffer: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    func append(_ data: Data) {
        bytes.withLock { $0.append(contentsOf: data) }
    }

    var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}
