/// Reads a `multipart/form-data` body (RFC 7578 over RFC 2046 §5.1.1), binary-safe.
// Delimiters are `CRLF--boundary` (the first may open the body, after an optional preamble);
// transport padding after a delimiter is allowed; the body must end with `--boundary--`
// (the epilogue is ignored). Part headers end at the first empty line (CRLF CRLF); content
// is taken byte for byte up to the next delimiter, so CRLF inside a file is fine. Parts
// with a `filename` (or `filename*`) parameter are files: listed, not read as fields.
// Parts without a `name` are skipped. Text fields are read as UTF-8 (a part's `charset`
// is ignored; Mailgun sends UTF-8). Anything else malformed throws.
enum MultipartFormParser {
    /// `maxParts`: the most fields and files together; past it the parse stops with an error whose
    /// `tooLarge` is set.
    static func parse(_ body: [UInt8], boundary: String, maxParts: Int = .max) throws(BodyParseError) -> FormFields {
        guard !boundary.isEmpty, boundary.utf8.count <= 200 else { throw BodyParseError("bad multipart boundary") }
        // "\r\n--boundary": the delimiter as it appears between parts.
        let delimiter: [UInt8] = [0x0D, 0x0A, 0x2D, 0x2D] + Array(boundary.utf8)
        let result: Result<FormFields, BodyParseError> = body.withUnsafeBufferPointer { bytes in
            delimiter.withUnsafeBufferPointer { delimiter in
                do throws(BodyParseError) {
                    return .success(try parse(bytes, delimiter: delimiter, maxParts: maxParts))
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, delimiter: UnsafeBufferPointer<UInt8>, maxParts: Int) throws(BodyParseError) -> FormFields {
        let n = bytes.count
        let dashBoundary = UnsafeBufferPointer(rebasing: delimiter[2...])  // "--boundary"
        // The first delimiter may open the body without a preceding CRLF.
        var position: Int
        if startsWith(bytes, at: 0, dashBoundary) {
            position = dashBoundary.count
        } else if let found = find(delimiter, in: bytes, from: 0) {
            position = found + delimiter.count
        } else {
            throw BodyParseError("multipart body has no boundary line")
        }

        var form = FormFields()
        while true {
            // After a delimiter: "--" closes the body; else padding then CRLF opens a part.
            if position + 1 < n, bytes[position] == 0x2D, bytes[position + 1] == 0x2D { return form }
            while position < n, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
            guard position + 1 < n, bytes[position] == 0x0D, bytes[position + 1] == 0x0A else {
                throw BodyParseError("multipart body ends without a closing boundary")
            }
            position += 2

            // Part headers, up to the empty line.
            let headersEnd: Int, contentStart: Int
            if startsWith(bytes, at: position, crlf) {
                headersEnd = position
                contentStart = position + 2
            } else if let blank = find(crlfcrlf, in: bytes, from: position) {
                headersEnd = blank
                contentStart = blank + 4
            } else {
                throw BodyParseError("multipart part headers do not end")
            }
            guard let next = find(delimiter, in: bytes, from: contentStart) else {
                throw BodyParseError("multipart body ends without a closing boundary")
            }
            let contentEnd = next
            guard headersEnd - position <= maxPartHeaderBytes else {
                throw BodyParseError("multipart part headers over \(maxPartHeaderBytes / 1024) KiB", tooLarge: true)
            }
            let headers = PartHeaders(UnsafeBufferPointer(rebasing: bytes[position..<headersEnd]))
            if let name = headers.name {
                guard form.fields.count + form.files.count < maxParts else {
                    throw BodyParseError("body has more than \(maxParts) multipart fields and files", tooLarge: true)
                }
                if let filename = headers.filename {
                    form.files.append(.init(name: name, filename: filename, contentType: headers.contentType, range: contentStart..<contentEnd))
                } else {
                    let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[contentStart..<contentEnd]), as: UTF8.self)
                    form.fields.append(.init(name: name, value: value))
                }
            }
            position = next + delimiter.count
        }
    }

    /// The most one part's headers may take: they are split into lines and parameters (~30 bytes
    /// of memory per byte at worst) before the signature is known. A Mailgun part's take a few
    /// hundred bytes.
    static let maxPartHeaderBytes = 8 * 1024

    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let crlfcrlf: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]

    /// The `Content-Disposition` and `Content-Type` of one part.
    private struct PartHeaders {
        var name: String?
        var filename: String?
        var contentType: String?

        init(_ raw: UnsafeBufferPointer<UInt8>) {
            // Header lines split on CRLF; a line starting with space or tab continues the previous one.
            var lines: [String] = []
            var start = 0
            let n = raw.count
            while start <= n {
                var end = start
                while end + 1 < n, !(raw[end] == 0x0D && raw[end + 1] == 0x0A) { end += 1 }
                if end + 1 >= n { end = n }
                let line = String(decoding: UnsafeBufferPointer(rebasing: raw[start..<end]), as: UTF8.self)
                if let first = line.utf8.first, first == 0x20 || first == 0x09, !lines.isEmpty {
                    lines[lines.count - 1] += line
                } else if !line.isEmpty {
                    lines.append(line)
                }
                start = end + 2
            }
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let fieldName = String(line[..<colon])
                let value = String(line[line.index(after: colon)...])
                if fieldName.caseInsensitiveEquals("content-disposition") {
                    let disposition = HeaderParameters(parsing: value)
                    name = disposition.parameter("name")
                    filename = disposition.parameter("filename") ?? disposition.parameter("filename*")
                } else if fieldName.caseInsensitiveEquals("content-type") {
                    contentType = HeaderParameters(parsing: value).value
                }
            }
        }
    }

    @inline(__always)
    private static func startsWith(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, _ pattern: [UInt8]) -> Bool {
        pattern.withUnsafeBufferPointer { startsWith(bytes, at: offset, $0) }
    }

    @inline(__always)
    private static func startsWith(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, _ pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        guard offset >= 0, offset + pattern.count <= bytes.count else { return false }
        for i in 0..<pattern.count where bytes[offset + i] != pattern[i] { return false }
        return true
    }

    private static func find(_ pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        pattern.withUnsafeBufferPointer { find($0, in: bytes, from: start) }
    }

    /// The first offset ≥ `start` where `pattern` occurs (pattern starts with CR, which is rare in text).
    private static func find(_ pattern: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let m = pattern.count
        guard m > 0, start >= 0 else { return nil }
        let first = pattern[0]
        var i = start
        let last = bytes.count - m
        while i <= last {
            if bytes[i] == first, startsWith(bytes, at: i, pattern) { return i }
            i += 1
        }
        return nil
    }
}
