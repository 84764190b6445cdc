import ArgumentParser
import Foundation
import HookrelayCore
import HookrelayPostgres
import HookrelayRuntime
import HookrelayStore

/// `hookrelay migrate --config relay.conf --to postgres://…`: copies the SQLite store in
/// `data_dir` into an empty PostgreSQL store (SPEC §10, moving up), so a team that outgrows one
/// machine keeps its retries.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy the SQLite store in data_dir into an empty PostgreSQL store.",
        discussion: """
            Copies the events inside dedup_window or with deliveries still to make (with all their \
            deliveries, so dedup by URL holds), the unexpired Mailgun tokens, and the failure log, in \
            one transaction. Stop the relay first: the SQLite store is locked while it is copied, and \
            deliveries in flight at its stop become due. Then set [server] store and start the nodes. \
            --to also takes env:NAME.
            """
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The PostgreSQL store: postgres://user:pw@host:5432/db, or env:NAME.")
    var to: String

    func run() throws {
        let config = try options.load().config
        var url = to
        if to.hasPrefix("env:") {
            guard let value = ProcessInfo.processInfo.environment[String(to.dropFirst(4))], !value.isEmpty else {
                printError("hookrelay: --to \(to): the variable is not set")
                throw ExitStatus.invalidConfig
            }
            url = value
        }
        let scheme = url.prefix(while: { $0 != ":" }).lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            printError("hookrelay: --to must be a postgres:// URL (or env:NAME)")
            throw ExitStatus.invalidConfig
        }
        let shown = to.hasPrefix("env:") ? to : URLMasking.mask(url)
        let directory = config.server.dataDirectory
        guard FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("hookrelay.sqlite")) else {
            printError("hookrelay: no SQLite store in \(directory) to migrate")
            throw ExitStatus.runtimeFailure
        }
        do {
            // Opened as the serving relay opens it: locked (a running relay is refused), and what
            // was in flight at its stop is due again.
            let source = try EventStore(directory: directory)
            defer { source.close() }
            let target = try PostgresStore(url: url, claimLease: config.server.claimLease)
            defer { target.close() }
            let now = AdminTime.nowMillis()
            let counts = try target.importing { importer in
                try source.transfer(
                    now: now, dedupWindow: config.server.dedupWindow,
                    events: importer.add, tokens: importer.add, failures: importer.add
                )
                for destination in try source.pausedDestinations().sorted() { try importer.addPaused(destination, at: now) }
            }
            print("copied \(counts.events) events (\(counts.deliveries) deliveries, \(counts.openDeliveries) still to make), "
                + "\(counts.tokens) tokens and \(counts.failures) failure records from \(source.location) to \(shown)")
            if counts.paused > 0 { print("\(counts.paused) paused destinations stay paused there") }
            print("next: set [server] store in \(options.config) and start the nodes; keep \(directory) until they run")
        } catch {
            printError("hookrelay: migrate failed, nothing copied: \(error)")
            throw ExitStatus.runtimeFailure
        }
    }
}
