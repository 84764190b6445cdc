import Synchronization

/// What the last reload did (SPEC §12), for `/admin`: when the config in force was loaded,
/// and the last refused file's reason, kept until a reload succeeds.
public final class ReloadStatus: Sendable {
    public struct State: Sendable, Equatable {
        /// Unix ms when the config in force was loaded (start or reload).
        public var loadedAt: Int64
        /// Reloads that took effect since the start.
        public var reloads = 0
        /// The last refused reload: when, and why (file, line, key); nil once one succeeds.
        public var refused: (time: Int64, reason: String)? {
            get { refusedTime.map { ($0, refusedReason) } }
            set { refusedTime = newValue?.time; refusedReason = newValue?.reason ?? "" }
        }
        /// `[server]` keys the file changed that only a restart applies.
        public var needsRestart: [String] = []
        private var refusedTime: Int64?
        private var refusedReason = ""

        public init(loadedAt: Int64) { self.loadedAt = loadedAt }
    }

    private let state: Mutex<State>

    public init(loadedAt: Int64) {
        state = Mutex(State(loadedAt: loadedAt))
    }

    public var current: State { state.withLock { $0 } }

    func reloaded(at time: Int64, needsRestart: [String]) {
        state.withLock {
            $0.loadedAt = time
            $0.reloads += 1
            $0.refused = nil
            $0.needsRestart = needsRestart
        }
    }

    func refused(at time: Int64, reason: String) {
        state.withLock { $0.refused = (time, reason) }
    }
}
