#if canImport(Glibc)
import Glibc
#endif

/// The time the relay decides by, in Unix milliseconds: what a delivery is due at, when a token
/// expires, what the failure log records. One clock, passed to whatever reads the time, so a
/// test can give its own.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Int64

    public init(_ read: @escaping @Sendable () -> Int64) {
        self.read = read
    }

    /// Now, in Unix milliseconds.
    public func now() -> Int64 { read() }

    /// The system's wall clock.
    public static let system = WallClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
