// bench/json_parse.sh builds this with the parser's sources: µs per strict parse of each event.
import Foundation

let path = CommandLine.arguments[1]
let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { Array($0.utf8) }
let rounds = 200
var members = 0
let start = Date()
for _ in 0..<rounds {
    for line in lines {
        if case .object(let object) = try JSONParser.parse(line, strict: true) { members &+= object.members.count }
    }
}
let elapsed = Date().timeIntervalSince(start)
print(String(format: "%.3f µs per parse (%d events × %d, %d top-level members)", elapsed * 1e6 / Double(rounds * lines.count), lines.count, rounds, members))

/// The one thing the parser takes from the form parser (`\u` escapes; the benchmark's events
/// have none), so the benchmark builds without the rest of HookrelayCore.
enum FormURLEncodedParser {
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
