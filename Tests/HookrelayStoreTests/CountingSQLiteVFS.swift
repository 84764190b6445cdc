import CSQLite
import HookrelayStore
import Foundation
import Synchronization

/// SQLite's default VFS with one difference: it counts `xSync` calls on main database files
/// (not on their WAL or journals), so a test can tell which file a flush reached. Open a
/// connection with `vfs: CountingSQLiteVFS.name` after checking `registered`. Only one test uses
/// it: the first main-database open sets up the counting methods without a lock.
enum CountingSQLiteVFS {
    static let name = "hookrelay-test-counting"
    /// `xSync` calls on main database files opened through this VFS, all connections together.
    static let mainDatabaseSyncs = Atomic<Int>(0)
    /// Registers the VFS the first time it is read; false if SQLite has no default VFS.
    static let registered: Bool = register()

    private nonisolated(unsafe) static var base: UnsafeMutablePointer<sqlite3_vfs>?
    private nonisolated(unsafe) static var baseMethods: UnsafePointer<sqlite3_io_methods>?
    private nonisolated(unsafe) static let countingMethods = UnsafeMutablePointer<sqlite3_io_methods>.allocate(capacity: 1)
    private nonisolated(unsafe) static let vfsName = strdup(name)!

    private static func register() -> Bool {
        SQLiteLibrary.configure()  // before this starts SQLite
        guard let found = sqlite3_vfs_find(nil) else { return false }
        base = found
        let vfs = UnsafeMutablePointer<sqlite3_vfs>.allocate(capacity: 1)
        vfs.initialize(to: found.pointee)
        vfs.pointee.pNext = nil
        vfs.pointee.zName = UnsafePointer(vfsName)
        vfs.pointee.xOpen = { _, name, file, flags, outFlags in
            guard let base = CountingSQLiteVFS.base, let open = base.pointee.xOpen else { return SQLITE_ERROR }
            let rc = open(base, name, file, flags, outFlags)
            guard rc == SQLITE_OK, flags & SQLITE_OPEN_MAIN_DB != 0, let file, let methods = file.pointee.pMethods else { return rc }
            if CountingSQLiteVFS.baseMethods == nil {
                CountingSQLiteVFS.baseMethods = methods
                CountingSQLiteVFS.countingMethods.initialize(to: methods.pointee)
                CountingSQLiteVFS.countingMethods.pointee.xSync = { file, flags in
                    CountingSQLiteVFS.mainDatabaseSyncs.add(1, ordering: .relaxed)
                    return CountingSQLiteVFS.baseMethods?.pointee.xSync?(file, flags) ?? SQLITE_ERROR
                }
            }
            // Only files that use the same methods as the first one (SQLite's unix locking style).
            if methods == CountingSQLiteVFS.baseMethods { file.pointee.pMethods = UnsafePointer(CountingSQLiteVFS.countingMethods) }
            return rc
        }
        return sqlite3_vfs_register(vfs, 0) == SQLITE_OK
    }
}
