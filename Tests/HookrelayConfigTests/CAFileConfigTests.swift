import Foundation
import HookrelayConfig
import HookrelayCore
import Testing

/// `ca_file` (SPEC §6: a partner on a private CA): a PEM file per destination or in `[defaults]`,
/// checked when the config loads, so a wrong path is exit 2 naming the key, not a `tls` failure
/// on every delivery.
@Suite("ca_file")
struct CAFileConfigTests {
    static let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    /// A fresh directory holding `ca.pem` and `relay.conf`, whose text `text` makes from the directory's path.
    static func written(_ text: (String) -> String) throws -> (directory: String, config: String) {
        let directory = NSTemporaryDirectory() + "hookrelay-cafile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try pem.write(toFile: directory + "/ca.pem", atomically: true, encoding: .utf8)
        try text(directory).write(toFile: directory + "/relay.conf", atomically: true, encoding: .utf8)
        return (directory, directory + "/relay.conf")
    }

    @Test("a relative ca_file is found next to the config file; [defaults] gives it to every destination, a destination's own wins")
    func resolvedAndInherited() throws {
        let (directory, path) = try Self.written { directory in
            "[defaults]\nca_file = \"ca.pem\"\n" + baseConfig + """
                [[destination]]
                name = "partner"
                url = "https://partner.example.com/in"
                ca_file = "\(directory)/./ca.pem"

                """
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try RelayConfigLoader.load(path: path, environment: [:]).config
        #expect(config.destinations.map(\.caFile) == [directory + "/ca.pem", directory + "/./ca.pem"])
        let without = try load(baseConfig).config
        #expect(without.destinations.map(\.caFile) == [nil], "no ca_file: the system's CAs")
    }

    @Test("a ca_file that is missing, empty or not PEM stops the load naming file, line and key")
    func refused() throws {
        let cases: [(text: String, keyPath: String, reason: String, kind: String)] = [
            (baseConfig.replacing("url = \"https://crm.example.com/hooks\"", with: "url = \"https://crm.example.com/hooks\"\nca_file = \"/nonexistent/ca.pem\""),
             "destination[1].ca_file", "cannot read ca_file \"/nonexistent/ca.pem\"", "unreadable"),
            ("[defaults]\nca_file = \"missing.pem\"\n" + baseConfig, "defaults.ca_file", "cannot read ca_file", "unreadable"),
            (baseConfig.replacing("url = \"https://crm.example.com/hooks\"", with: "url = \"https://crm.example.com/hooks\"\nca_file = \"/dev/null\""),
             "destination[1].ca_file", "holds no PEM certificate", "invalidValue"),
            (baseConfig.replacing("url = \"https://crm.example.com/hooks\"", with: "url = \"https://crm.example.com/hooks\"\nca_file = \"\""),
             "destination[1].ca_file", "ca_file is empty", "invalidValue"),
        ]
        for testCase in cases {
            guard let error = loadError(testCase.text) else { continue }
            #expect(error.keyPath == testCase.keyPath, "\(error)")
            #expect(error.reason.contains(testCase.reason), "\(error)")
            #expect(error.kind == testCase.kind, "\(error)")
            #expect(error.line != nil && error.line == line(of: "ca_file", in: testCase.text), "\(error)")
        }
    }

    @Test("a ca_file path from env: is not printed in the error (SPEC §11)")
    func indirectPathNotPrinted() {
        let text = baseConfig.replacing("url = \"https://crm.example.com/hooks\"", with: "url = \"https://crm.example.com/hooks\"\nca_file = \"env:PARTNER_CA\"")
        guard let error = loadError(text, environment: ["PARTNER_CA": "/nonexistent/secret-ca-path.pem"]) else { return }
        #expect(error.keyPath == "destination[1].ca_file")
        #expect(!error.description.contains("secret-ca-path"), "\(error)")
    }
}
