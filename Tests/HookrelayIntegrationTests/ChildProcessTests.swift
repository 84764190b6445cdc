import Foundation
import HookrelayTestSupport
import Testing

/// The tests' own way to start helpers (`ChildProcess`, used instead of Foundation's `Process`).
@Suite("Child processes")
struct ChildProcessTests {
    @Test("a child gets stdin, stdout and stderr only: the test process's other descriptors are closed in it")
    func descriptorsAreNotInherited() async throws {
        // An inheritable descriptor (no close-on-exec), as a socket or file of another test could be.
        let inheritable = open("/dev/null", O_RDONLY)
        #expect(inheritable > 2)
        defer { close(inheritable) }
        let child = try ChildProcess(executable: "/bin/sleep", arguments: ["60"])
        // Its descriptors are read from here once it runs sleep (after exec). The dynamic loader
        // opens each library briefly (as descriptor 3), so the set is read until it has only
        // 0, 1 and 2 or the polling deadline passes: an inherited descriptor would stay for good.
        // (The deadline is the default one: under the whole suite the exec itself can be slow.)
        var descriptors: Set<String> = []
        await Polling.until(interval: .milliseconds(10)) {
            let command = (try? String(contentsOfFile: "/proc/\(child.processIdentifier)/comm", encoding: .utf8)) ?? ""
            guard command.hasPrefix("sleep") else { return false }
            descriptors = Set((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.processIdentifier)/fd")) ?? [])
            return descriptors == ["0", "1", "2"]
        }
        child.signal(SIGKILL)
        #expect(descriptors == ["0", "1", "2"], "\(descriptors)")
    }

    @Test("exit status and death by signal are reported as shells report them; output is collected in order")
    func terminationAndOutput() async throws {
        let exits = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "echo out; echo err >&2; exit 3"])
        #expect(await Polling.until { !exits.isRunning })
        #expect(exits.terminationState == .exited(3))
        #expect(await exits.waitForOutputEnd())
        #expect(exits.outputText == "out\nerr\n")

        let sleeper = try ChildProcess(executable: "/bin/sleep", arguments: ["30"])
        #expect(sleeper.isRunning)
        sleeper.signal(SIGKILL)
        #expect(await Polling.until { !sleeper.isRunning })
        #expect(sleeper.terminationState == .signaled(SIGKILL))
        #expect(sleeper.terminationState?.status == 128 + SIGKILL)
    }
}
