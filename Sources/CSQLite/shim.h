#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro over a cast Swift cannot import: sqlite copies the bytes at once.
static inline void (*csqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }

/// Flushes the main database file of `db` to disk through its VFS (the file's xSync, as a
/// checkpoint that reaches the end of the log does). Call it only from the thread that uses `db`.
static inline int csqlite_sync_database_file(sqlite3 *db) {
    sqlite3_file *file = 0;
    int rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
    if (rc != SQLITE_OK) return rc;
    if (!file || !file->pMethods || !file->pMethods->xSync) return SQLITE_MISUSE;
    return file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}

/// Process-wide settings for a library whose every connection has one owner at a time: no
/// allocation statistics (a global mutex taken on each of SQLite's mallocs), then initializes
/// SQLite. Must run before anything else starts SQLite; returns the setting's result:
/// SQLITE_MISUSE when SQLite had already started (the setting then changes nothing).
static inline int csqlite_configure_process(void) {
    int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
    return rc;
}
