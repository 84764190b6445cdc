import Foundation
import HookrelayFuzzEntries
import Testing

/// Replays every committed fuzz corpus (Fuzz/corpus/TARGET/*) through the same entry points the
/// libFuzzer harness calls, so an input that once crashed the relay's parsers fails `swift test`
/// if it crashes again. A crash ends the test process, which fails the run.
@Suite struct FuzzCorpusReplayTests {
    static let corpusRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    static func files(of target: FuzzTarget) throws -> [URL] {
        let directory = corpusRoot.appendingPathComponent(target.rawValue)
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusReplays(_ target: FuzzTarget) throws {
        let files = try Self.files(of: target)
        // An empty or missing corpus would make this test pass by replaying nothing.
        #expect(files.count >= 5, "Fuzz/corpus/\(target.rawValue) has \(files.count) files")
        for file in files {
            target.run(Array(try Data(contentsOf: file)))
        }
    }

    /// Every corpus folder is a target's, so none is left out of the replay by a typo.
    @Test func everyCorpusFolderIsATarget() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.corpusRoot.path).filter { !$0.hasPrefix(".") }
        #expect(Set(folders) == Set(FuzzTarget.allCases.map(\.rawValue)))
    }
}
