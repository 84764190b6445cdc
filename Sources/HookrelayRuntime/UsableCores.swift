import Foundation
import NIOCore

/// How many cores this process may run on: its CPU affinity (`taskset`, cpusets) as Linux
/// reports it in `/proc/self/status`, else NIO's count. Sizes the event-loop group, so a relay
/// pinned to one core does not run two loops that only take turns.
enum UsableCores {
    static var count: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else {
            return System.coreCount
        }
        let mask = line.dropFirst("Cpus_allowed:".count).filter { $0.isHexDigit }
        let cores = mask.reduce(0) { $0 + (Int(String($1), radix: 16) ?? 0).nonzeroBitCount }
        return cores > 0 ? min(cores, System.coreCount) : System.coreCount
    }
}
