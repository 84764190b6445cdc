import HookrelayCore

/// Destination settings as written in one table (`[defaults]` or one `[[destination]]`): nil = not set.
struct DestinationSettings {
    var rewrite: RewriteMode?
    var template: String?
    var redact: Bool?
    var sign: SigningScheme?
    /// `sign_key`: a string is a list of one.
    var signKeys: [String]?
    var headers: [HeaderField]?
    var timeout: Duration?
    var retry: [Duration]?
    var success: [Int]?
    var maxInFlight: Int?
    var rate: Rate?
    /// `ca_file`, resolved against the config file's directory and checked readable.
    var caFile: String?
    var httpVersion: HTTPVersionPreference?
    /// `pause_after`: failed attempts in a row before probing; 0 = never.
    var pauseAfter: Int?
    /// `probe_every`: one attempt this often while probing.
    var probeEvery: Duration?
}
