import CPostgres
import Foundation

/// The rows of one statement, in text form; freed with the value.
///
/// `@unchecked Sendable`: a result is read by the thread that ran its statement, then dropped.
final class PGResult: @unchecked Sendable {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        PQclear(handle)
    }

    /// The command tag (`COMMIT`, or `ROLLBACK` when a failed transaction was ended by COMMIT).
    var commandTag: String { String(cString: PQcmdStatus(handle)) }

    var rowCount: Int { Int(PQntuples(handle)) }
    /// Rows a command changed (UPDATE, DELETE, INSERT).
    var changes: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(handle, Int32(row), Int32(column)) == 1 }

    func text(_ row: Int, _ column: Int) -> String {
        String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    func optionalText(_ row: Int, _ column: Int) -> String? { isNull(row, column) ? nil : text(row, column) }

    func int(_ row: Int, _ column: Int) -> Int64 { optionalInt(row, column) ?? 0 }

    func optionalInt(_ row: Int, _ column: Int) -> Int64? {
        guard !isNull(row, column), let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        return strtoll(value, nil, 10)
    }

    func bool(_ row: Int, _ column: Int) -> Bool { text(row, column) == "t" }

    /// A `bytea` column (sent by the server as `\x` hex text).
    func bytes(_ row: Int, _ column: Int) -> [UInt8] {
        guard !isNull(row, column), let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return [] }
        var length = 0
        guard let decoded = PQunescapeBytea(UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), &length) else { return [] }
        defer { PQfreemem(decoded) }
        return Array(UnsafeBufferPointer(start: decoded, count: length))
    }

    /// A `text[]` column as its elements (the array literal parsed: quotes and escapes).
    func textArray(_ row: Int, _ column: Int) -> [String] {
        guard !isNull(row, column) else { return [] }
        return PGArrayLiteral.parse(text(row, column))
    }
}

/// The text form of a one-dimensional array (`{a,"b c",NULL}`) as its elements.
enum PGArrayLiteral {
    static func parse(_ literal: String) -> [String] {
        var elements: [String] = []
        var characters = literal.makeIterator()
        guard characters.next() == "{" else { return [] }
        var current = ""
        var quoted = false
        var inQuotes = false
        while let character = characters.next() {
            if inQuotes {
                if character == "\\" {
                    if let escaped = characters.next() { current.append(escaped) }
                } else if character == "\"" {
                    inQuotes = false
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                inQuotes = true
                quoted = true
            } else if character == "," || character == "}" {
                if quoted || !current.isEmpty { elements.append(current) }
                current = ""
                quoted = false
                if character == "}" { break }
            } else {
                current.append(character)
            }
        }
        return elements
    }
}
