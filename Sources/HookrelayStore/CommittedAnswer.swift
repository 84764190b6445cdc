/// The answer of a write whose result is computed inside its transaction and handed to the
/// caller only after the commit (or with the reason it did not commit): the part every store's
/// result-returning write shares.
///
/// `@unchecked Sendable`: `result` is set in the write's `perform` and read in its `finish`, both
/// on the store's writer thread.
public final class CommittedAnswer<T: Sendable>: @unchecked Sendable {
    private let completion: @Sendable (Result<T, StoreUnavailable>) -> Void
    private var result: T?

    public init(_ completion: @escaping @Sendable (Result<T, StoreUnavailable>) -> Void) {
        self.completion = completion
    }

    /// The result computed in the transaction (again when the write runs again).
    public func computed(_ value: T) {
        result = value
    }

    /// After COMMIT (`failure` nil) or with the reason the write did not commit.
    public func finish(failure: StoreUnavailable?) {
        if let failure {
            completion(.failure(failure))
        } else if let result {
            completion(.success(result))
        } else {
            completion(.failure(StoreUnavailable(.unavailable, "write produced no result")))
        }
    }
}
