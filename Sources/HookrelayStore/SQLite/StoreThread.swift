import Foundation

/// The store's own threads (the writer, the checkpointer): named for `ps -L` and profiles,
/// with a 1 MiB stack.
enum StoreThread {
    static func start(_ name: String, _ body: @escaping @Sendable () -> Void) -> Thread {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
        return thread
    }
}
