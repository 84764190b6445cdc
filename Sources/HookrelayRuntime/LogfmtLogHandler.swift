#if canImport(Glibc)
import Glibc
#endif
public import Logging

/// Writes one logfmt line per log call to standard error:
/// `ts=2026-11-24T07:46:15.123Z level=info msg="event accepted" event_id=… source=mailgun`.
/// Keys sorted, values quoted only when they need it; one `write(2)` per line, so lines from
/// different threads never interleave. Built for the per-event hot path: no date formatter,
/// no locale, no intermediate strings beyond the line itself.
public struct LogfmtLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let fileDescriptor: Int32

    public init(label: String, level: Logger.Level, fileDescriptor: Int32 = 2) {
        logLevel = level
        self.fileDescriptor = fileDescriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        Self.appendTimestamp(to: &line)
        line.append(contentsOf: " level=".utf8)
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(contentsOf: " msg=".utf8)
        Self.appendValue(event.message.description, to: &line)
        // The call's values win over the provider's, which win over the logger's own. Starting
        // from the call's metadata makes no copy in the usual case, where there is nothing else.
        var merged = event.metadata ?? [:]
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { call, _ in call } }
        if !metadata.isEmpty { merged.merge(metadata) { earlier, _ in earlier } }
        if let error = event.error { merged["error"] = "\(error)" }
        for key in merged.keys.sorted() {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: key.utf8)
            line.append(UInt8(ascii: "="))
            Self.appendValue(merged[key]!.description, to: &line)
        }
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// `ts=YYYY-MM-DDTHH:MM:SS.mmmZ`
    private static func appendTimestamp(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        line.append(contentsOf: "ts=".utf8)
        appendDigits(Int(parts.tm_year) + 1900, 4, &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mon) + 1, 2, &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mday), 2, &line)
        line.append(UInt8(ascii: "T"))
        appendDigits(Int(parts.tm_hour), 2, &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_min), 2, &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_sec), 2, &line)
        line.append(UInt8(ascii: "."))
        appendDigits(Int(now.tv_nsec / 1_000_000), 3, &line)
        line.append(UInt8(ascii: "Z"))
    }

    /// `value` in decimal, left-padded with zeros to `width` digits (the low `width` digits).
    private static func appendDigits(_ value: Int, _ width: Int, _ line: inout [UInt8]) {
        let start = line.count
        line.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width))
        var rest = value
        var index = start + width - 1
        while index >= start {
            line[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        }
    }

    /// A bare value when it is safe, else a quoted one with `"`, `\` and control characters escaped.
    static func appendValue(_ value: String, to line: inout [UInt8]) {
        let needsQuotes = value.isEmpty || value.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\\") || $0 == 0x7f }
        guard needsQuotes else {
            line.append(contentsOf: value.utf8)
            return
        }
        line.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): line.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): line.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\n"): line.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\r"): line.append(contentsOf: "\\r".utf8)
            case UInt8(ascii: "\t"): line.append(contentsOf: "\\t".utf8)
            case 0..<0x20, 0x7f:
                line.append(contentsOf: "\\u00".utf8)
                let hex = Array("0123456789abcdef".utf8)
                line.append(hex[Int(byte >> 4)])
                line.append(hex[Int(byte & 0xf)])
            default: line.append(byte)
            }
        }
        line.append(UInt8(ascii: "\""))
    }
}
