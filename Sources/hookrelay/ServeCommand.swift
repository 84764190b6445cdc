import ArgumentParser
import Dispatch
import Foundation
import HookrelayConfig
import HookrelayPostgres
import HookrelayRuntime
import Logging
import ServiceLifecycle

/// `hookrelay serve --config relay.conf`: run the relay until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the relay.")

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(name: .long, help: "Seconds to let in-flight work finish on SIGTERM.")
    var shutdownGrace: Int = 10

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        // SIGHUP reloads (SPEC §12); until the handler is in place it must not end the process.
        signal(SIGHUP, SIG_IGN)
        let loaded = try options.load()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in LogfmtLogHandler(label: label, level: level) }
        let logger = Logger(label: "hookrelay")
        for warning in loaded.warnings { logger.warning("\(warning)") }
        let relay: Relay
        var backoff: Duration = .milliseconds(100)
        while true {
            do {
                relay = try Relay(config: loaded.config, logger: logger)
                break
            } catch let error as PostgresError where error.connectionLost {
                // SPEC §10: a node does not exit for PostgreSQL being away; it starts once it is back
                // (nothing listens meanwhile: senders retry). A schema newer than this binary, or
                // any other error, still ends it with exit 1.
                logger.warning("PostgreSQL unreachable; retrying", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            } catch {
                logger.critical("cannot open the store", metadata: ["error": "\(error)"])
                throw ExitStatus.runtimeFailure
            }
        }
        let pidFile = PidFile(directory: loaded.config.server.dataDirectory)
        do {
            try pidFile.write()
        } catch {
            logger.error("hookrelay reload will not find this relay (SIGHUP still reloads)", metadata: ["error": "\(error)"])
        }
        // Removed after the store let the directory's lock go: only while it still names this
        // process (a successor that took the directory meanwhile has written its own).
        defer { pidFile.removeIfOwn() }
        let reloads = reloadOnHangUp(relay: relay)
        defer { reloads.cancel() }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: relay.services(grace: .seconds(shutdownGrace)),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            logger.critical("relay failed", metadata: ["error": "\(error)"])
            throw ExitStatus.runtimeFailure
        }
    }

    /// On each SIGHUP, reads the config file again: a valid one is applied, an invalid one is
    /// refused with its reason (the config in force stays). One reload at a time.
    private func reloadOnHangUp(relay: Relay) -> any DispatchSourceSignal {
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "hookrelay-reload"))
        let path = options.config
        source.setEventHandler {
            do {
                let loaded = try RelayConfigLoader.load(path: path, environment: ProcessInfo.processInfo.environment)
                relay.reload(to: loaded.config, warnings: loaded.warnings)
            } catch {
                relay.reloadRefused("\(error)")
            }
        }
        source.resume()
        return source
    }
}
