/// Finds, on a best-effort basis, the line of a key in relay.conf.
///
/// TOMLKit gives positions only for syntax errors, so semantic errors are placed by scanning
/// the text: table headers (`[server]`, the n-th `[[route]]`…) and `key =` lines inside them.
/// A `[destination.headers]` sub-table header counts as the `headers` key of the table above.
/// Multi-line strings are skipped. When a key is not written in its table (a missing key, a
/// value inherited from `[defaults]`), the table's header line is used; when nothing fits, no line.
struct ConfigLocator {
    /// Where a key lives.
    enum Section: Equatable {
        case top
        case table(String)               // [server], [defaults]
        case arrayElement(String, Int)   // n-th (0-based) [[source]], [[destination]], [[route]]
    }

    private struct Block {
        var name: String
        var isArray: Bool
        var headerLine: Int
        var keys: [String: Int] = [:]
    }

    private var topKeys: [String: Int] = [:]
    private var blocks: [Block] = []

    init(text: String) {
        var multiline: String? = nil  // the delimiter of an open multi-line string
        var arrayDepth = 0            // open brackets of a value spanning lines
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if let delimiter = multiline {
                if Self.count(of: delimiter, in: line) % 2 == 1 { multiline = nil }
                continue
            }
            if arrayDepth > 0 {
                // Continuation of a multi-line array or table: a `[` here opens no table.
                arrayDepth = max(0, arrayDepth + Self.bracketBalance(line))
                continue
            }
            if line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasPrefix("[") {
                let isArray = line.hasPrefix("[[")
                let inner = line.dropFirst(isArray ? 2 : 1).prefix { $0 != "]" }
                let name = String(inner.filter { $0 != " " && $0 != "\t" && $0 != "\"" && $0 != "'" })
                if !isArray, let dot = name.firstIndex(of: "."), let last = blocks.indices.last,
                   blocks[last].name == name[..<dot] {
                    // [destination.headers] under [[destination]]: the `headers` key of that table.
                    let key = String(name[name.index(after: dot)...].prefix { $0 != "." })
                    if blocks[last].keys[key] == nil { blocks[last].keys[key] = lineNumber }
                    continue
                }
                blocks.append(Block(name: name, isArray: isArray, headerLine: lineNumber))
                continue
            }
            if let key = Self.leadingKey(line) {
                if blocks.isEmpty {
                    if topKeys[key] == nil { topKeys[key] = lineNumber }
                } else if blocks[blocks.count - 1].keys[key] == nil {
                    blocks[blocks.count - 1].keys[key] = lineNumber
                }
            }
            for delimiter in ["\"\"\"", "'''"] where Self.count(of: delimiter, in: line) % 2 == 1 {
                multiline = delimiter
                break
            }
            if multiline == nil, Self.leadingKey(line) != nil { arrayDepth = max(0, Self.bracketBalance(line)) }
        }
    }

    /// The line of `key` in `section`, else of the section's header, else nil.
    func line(section: Section, key: String?) -> Int? {
        switch section {
        case .top:
            guard let key else { return nil }
            return topKeys[key]
        case .table(let name):
            guard let block = blocks.first(where: { $0.name == name && !$0.isArray }) else {
                // Maybe written as dotted keys at the top level (`server.listen = …`).
                return topKeys[name]
            }
            return key.flatMap { block.keys[$0] } ?? block.headerLine
        case .arrayElement(let name, let index):
            let matching = blocks.filter { $0.name == name && $0.isArray }
            guard index >= 0, index < matching.count else { return nil }
            let block = matching[index]
            return key.flatMap { block.keys[$0] } ?? block.headerLine
        }
    }

    /// The bare or quoted key at the start of `key = value` (first segment of a dotted key).
    private static func leadingKey(_ line: Substring) -> String? {
        var rest = line
        var key: Substring
        if let quote = rest.first, quote == "\"" || quote == "'" {
            rest = rest.dropFirst()
            guard let end = rest.firstIndex(of: quote) else { return nil }
            key = rest[..<end]
            rest = rest[rest.index(after: end)...]
        } else {
            key = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
            guard !key.isEmpty else { return nil }
            rest = rest.dropFirst(key.count)
        }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        guard rest.first == "=" || rest.first == "." else { return nil }
        return String(key)
    }

    /// Opened minus closed square brackets and braces, outside strings and comments.
    private static func bracketBalance(_ line: Substring) -> Int {
        var balance = 0
        var quote: Character? = nil
        var escaped = false
        for character in line {
            if let open = quote {
                if escaped {
                    escaped = false
                } else if character == "\\" && open == "\"" {
                    escaped = true
                } else if character == open {
                    quote = nil
                }
                continue
            }
            switch character {
            case "\"", "'": quote = character
            case "[", "{": balance += 1
            case "]", "}": balance -= 1
            case "#": return balance
            default: break
            }
        }
        return balance
    }

    private static func count(of needle: String, in line: Substring) -> Int {
        var count = 0
        var rest = line[...]
        while let range = rest.firstRange(of: needle) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }
}
