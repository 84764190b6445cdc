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
