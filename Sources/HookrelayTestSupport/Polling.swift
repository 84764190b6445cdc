/// Waits for a condition by polling it until a deadline: the test suite's only way to wait.
public enum Polling {
    /// Polls `condition` every `interval` until it holds; false if `timeout` passes first.
    @discardableResult
    public static func until(
        timeout: Duration = .seconds(20), interval: Duration = .milliseconds(20), _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await condition() { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: interval)
        }
    }
}
