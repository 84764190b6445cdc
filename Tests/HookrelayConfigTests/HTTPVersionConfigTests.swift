import HookrelayConfig
import HookrelayCore
import Testing

/// `http_version` on a destination or under `[defaults]`.
@Suite("http_version")
struct HTTPVersionConfigTests {
    @Test("auto by default; 1.1 taken, from [defaults] too, and auto overrides it per destination")
    func values() throws {
        #expect(try load(baseConfig).config.destinations[0].httpVersion == .auto)
        let own = baseConfig.replacingOccurrences(of: #"url = "https://crm.example.com/hooks""#, with: "url = \"https://crm.example.com/hooks\"\nhttp_version = \"auto\"")
        #expect(try load("[defaults]\nhttp_version = \"1.1\"\n\n" + own).config.destinations[0].httpVersion == .auto)
        let defaults = "[defaults]\nhttp_version = \"1.1\"\n\n" + baseConfig
        #expect(try load(defaults).config.destinations[0].httpVersion == .http1_1)
    }

    @Test("another value (2 included: HTTP/2 is auto's over https, cleartext HTTP/2 is not offered): an error naming the key and the values it takes", arguments: ["2", "3", "h2c"])
    func invalid(value: String) throws {
        let text = baseConfig.replacingOccurrences(of: #"url = "https://crm.example.com/hooks""#, with: "url = \"https://crm.example.com/hooks\"\nhttp_version = \"\(value)\"")
        let error = try #require(loadError(text))
        #expect("\(error)".contains("http_version"), "\(error)")
        #expect("\(error)".contains(#""1.1""#), "\(error)")
    }
}
