import CSQLite
import HookrelayStore
import Foundation
import Synchronization

/// Watches the fsyncs of the write-ahead logs SQLite keeps under one directory, for the
/// durability test (SPEC §3: `200` only after the commit's sync returned).
///
/// It works through a VFS registered as the process's default the first time `install()` runs:
/// SQLite's own default VFS with one difference, that a WAL file opened under a watched
/// directory gets I/O methods whose `xSync` counts the syncs started and returned, and can be
/// held (`holdNextSync`) until the test releases it. Every other file keeps SQLite's own methods
/// untouched, so the relays of other tests in this process run exactly as before.
final class WALSyncWatch: Sendable {
    let directory: String
    /// WAL syncs begun / returned for files under `directory`.
    let syncsStarted = Atomic<Int>(0)
    let syncsReturned = Atomic<Int>(0)
    private let hold = Mutex<HoldState>(HoldState())
    private let released = NSCondition()

    private struct HoldState {
        var armed = false
        var holding = false
        var released = false
    }

    private init(directory: String) {
        self.directory = directory.hasSuffix("/") ? directory : directory + "/"
    }

    /// Starts watching the WAL files opened under `directory` from now on; nil when the VFS
    /// cannot be registered (SQLite without a default VFS).
    static func watch(_ directory: String) -> WALSyncWatch? {
        guard installed else { return nil }
        let watch = WALSyncWatch(directory: directory)
        watches.withLock { $0.append(watch) }
        return watch
    }

    /// Stops watching (and releases a held sync).
    func end() {
        release()
        Self.watches.withLock { $0.removeAll { $0 === self } }
    }

    /// The next WAL sync under the directory blocks until `release()`.
    func holdNextSync() {
        hold.withLock { $0 = HoldState(armed: true) }
    }

    /// True while a sync is blocked by `holdNextSync`.
    var isHolding: Bool { hold.withLock { $0.holding } }

    /// Lets a held sync (and any later one) go on.
    func release() {
        released.lock()
        hold.withLock { $0.released = true; $0.armed = false }
        released.broadcast()
        released.unlock()
    }

    /// Called by the VFS around one sync of a watched WAL file.
    fileprivate func sync(_ perform: () -> Int32) -> Int32 {
        syncsStarted.add(1, ordering: .sequentiallyConsistent)
        let mustHold = hold.withLock { state -> Bool in
            guard state.armed else { return false }
            state.armed = false
            state.holding = true
            return true
        }
        if mustHold {
            released.lock()
            let deadline = Date().addingTimeInterval(30)  // never wedge the suite if a test forgets
            while !hold.withLock({ $0.released }) && Date() < deadline { _ = released.wait(until: deadline) }
            released.unlock()
            hold.withLock { $0.holding = false }
        }
        let rc = perform()
        syncsReturned.add(1, ordering: .sequentiallyConsistent)
        return rc
    }

    // MARK: - The VFS

    private static let watches = Mutex<[WALSyncWatch]>([])
    /// Watched open files (by `sqlite3_file` address): their watch and the address of SQLite's own methods.
    private static let files = Mutex<[Int: (watch: WALSyncWatch, methods: Int)]>([:])
    /// One wrapper per set of SQLite methods (the unix VFS has a few locking styles), by
    /// address; never freed.
    private static let wrappers = Mutex<[Int: Int]>([:])
    private nonisolated(unsafe) static var base: UnsafeMutablePointer<sqlite3_vfs>?
    private static let installed: Bool = install()

    private static func install() -> Bool {
        SQLiteLibrary.configure()  // before this starts SQLite
        guard let found = sqlite3_vfs_find(nil) else { return false }
        base = found
        let vfs = UnsafeMutablePointer<sqlite3_vfs>.allocate(capacity: 1)
        vfs.initialize(to: found.pointee)
        vfs.pointee.pNext = nil
        vfs.pointee.zName = UnsafePointer(strdup("hookrelay-test-wal-sync-watch")!)
        vfs.pointee.xOpen = { _, name, file, flags, outFlags in
            guard let base = WALSyncWatch.base, let open = base.pointee.xOpen else { return SQLITE_ERROR }
            let rc = open(base, name, file, flags, outFlags)
            guard rc == SQLITE_OK, flags & SQLITE_OPEN_WAL != 0, let name, let file, let methods = file.pointee.pMethods else { return rc }
            let path = String(cString: name)
            guard let watch = WALSyncWatch.watches.withLock({ $0.first { path.hasPrefix($0.directory) } }) else { return rc }
            let methodsAddress = Int(bitPattern: methods)
            WALSyncWatch.files.withLock { $0[Int(bitPattern: file)] = (watch, methodsAddress) }
            file.pointee.pMethods = WALSyncWatch.wrapper(for: methods)
            return rc
        }
        return sqlite3_vfs_register(vfs, 1) == SQLITE_OK
    }

    /// SQLite's methods at `address`.
    private static func methods(_ address: Int) -> UnsafePointer<sqlite3_io_methods> { UnsafePointer(bitPattern: address)! }

    private static func wrapper(for methods: UnsafePointer<sqlite3_io_methods>) -> UnsafePointer<sqlite3_io_methods> {
        let key = Int(bitPattern: methods)
        let address = wrappers.withLock { wrappers -> Int in
            if let existing = wrappers[key] { return existing }
            let wrapper = UnsafeMutablePointer<sqlite3_io_methods>.allocate(capacity: 1)
            wrapper.initialize(to: methods.pointee)
            wrapper.pointee.xSync = { file, flags in
                guard let file, let entry = WALSyncWatch.files.withLock({ $0[Int(bitPattern: file)] }) else { return SQLITE_ERROR }
                return entry.watch.sync { WALSyncWatch.methods(entry.methods).pointee.xSync?(file, flags) ?? SQLITE_ERROR }
            }
            wrapper.pointee.xClose = { file in
                guard let file, let entry = WALSyncWatch.files.withLock({ $0.removeValue(forKey: Int(bitPattern: file)) }) else { return SQLITE_ERROR }
                let own = WALSyncWatch.methods(entry.methods)
                file.pointee.pMethods = own
                return own.pointee.xClose?(file) ?? SQLITE_OK
            }
            wrappers[key] = Int(bitPattern: wrapper)
            return Int(bitPattern: wrapper)
        }
        return Self.methods(address)
    }
}
