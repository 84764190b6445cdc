import Foundation
import HookrelayCore

/// The store's own threads (the writer, the checkpointer): named (`NamedThread`), with a 1 MiB stack.
enum StoreThread {
    static func start(_ name: String, _ body: @escaping @Sendable () -> Void) -> Thread {
        NamedThread.start(name, stackSize: 1 << 20, body)
    }
}
