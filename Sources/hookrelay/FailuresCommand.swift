import ArgumentParser
import Foundation
import HookrelayCore
import HookrelayPostgres
import HookrelayRuntime
import HookrelayStore

/// `hookrelay failures --config relay.conf [--since 1h] [--destination NAME] [--limit N] [--json]`:
/// the failure log, newest first, as a table or as the admin API's JSON.
struct FailuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failures",
        abstract: "Print the failure log (failed delivery attempts), newest first.",
        discussion: """
            Reads the store of a running or stopped relay without disturbing it. --since takes a \
            duration back from now (90s, 15m, 1h, 7d), an RFC 3339 time (2024-05-01T12:00:00Z) or \
            Unix seconds. --json prints what GET /admin/api/failures answers.
            """
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "Only attempts since then: a duration back from now (1h), an RFC 3339 time, or Unix seconds.")
    var since: String?

    @Option(help: "Only this destination.")
    var destination: String?

    @Option(help: "At most this many records (default 100).")
    var limit: Int = 100

    @Flag(help: "Print a JSON array, as the admin API does.")
    var json = false

    func validate() throws {
        if let since, AdminTime.since(since, now: AdminTime.nowMillis()) == nil {
            throw ValidationError("--since: expected a duration (1h), an RFC 3339 time or Unix seconds, got \"\(since)\"")
        }
        guard (1...1_000_000).contains(limit) else {
            throw ValidationError("--limit must be between 1 and 1000000")
        }
    }

    func run() throws {
        let config = try options.load().config
        if let destination, config.destination(named: destination) == nil {
            printError("warning: destination \"\(destination)\" is not in \(options.config); showing what the store holds for it")
        }
        let query = FailureQuery(since: since.flatMap { AdminTime.since($0, now: AdminTime.nowMillis()) }, destination: destination, limit: limit)
        let records = try OperatorStore.with(config) { store in try store.failures(query) } ?? []
        if json {
            print(AdminJSON.failures(records))
        } else {
            print(AdminFailureTable.rendered(records), terminator: "")
        }
    }
}

/// The store as the operator's commands open it: the relay's data directory, without
/// recovering in-flight deliveries (a running relay owns those), closed after use.
enum OperatorStore {
    /// Runs `body` on the store, or returns nil (with a note on stderr) when `data_dir` holds
    /// no store yet. A store that cannot be opened or read exits 1.
    static func with<T>(_ config: RelayConfig, _ body: (any RelayStore) throws -> T) throws -> T? {
        guard let store = try open(config) else { return nil }
        defer { store.close() }
        do {
            return try body(store)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("hookrelay: cannot read the store \(store.location): \(error)")
            throw ExitStatus.runtimeFailure
        }
    }

    /// The opened store; nil (with a note) when there is none yet, unless `create` (a pause
    /// written before the relay's first start). With `[server] store` set, the cluster's
    /// PostgreSQL store (SPEC §10: any node's commands show the whole cluster).
    static func open(_ config: RelayConfig, create: Bool = false) throws -> (any RelayStore)? {
        if let url = config.server.store {
            do {
                return try PostgresStore(url: url, claimLease: config.server.claimLease, allowUpgrade: false)
            } catch {
                printError("hookrelay: cannot open the store: \(error)")
                throw ExitStatus.runtimeFailure
            }
        }
        let directory = config.server.dataDirectory
        let file = (directory as NSString).appendingPathComponent("hookrelay.sqlite")
        guard create || FileManager.default.fileExists(atPath: file) else {
            printError("note: no store at \(file) yet (the relay has not run with this data_dir)")
            return nil
        }
        do {
            return try EventStore(directory: directory, recoverInFlight: false, allowUpgrade: false)
        } catch {
            printError("hookrelay: cannot open the store in \(directory): \(error)")
            throw ExitStatus.runtimeFailure
        }
    }
}
