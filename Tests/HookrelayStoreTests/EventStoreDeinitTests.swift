@testable import HookrelayStore
import HookrelayTestSupport
import Testing

/// A store dropped without `close()` is closed by its `deinit`: otherwise its writer thread would
/// go on using the writer's connection while the dropping thread frees its statements (each
/// connection has one owner, DECISIONS.md).
@Suite struct EventStoreDeinitTests {
    @Test func aStoreDroppedWithoutCloseStopsItsWriter() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer: GroupCommitWriter
        do {
            let store = try EventStore(directory: directory.file("data"))
            writer = store.writer
            #expect(!writer.hasStopped)
        }
        // The store is gone; its deinit stopped the writer (close() waits for the thread).
        #expect(writer.hasStopped)
    }
}
