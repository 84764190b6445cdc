import HookrelayFuzzEntries

#if canImport(Glibc)
import Glibc
#endif

// The libFuzzer harness: one binary for every target, chosen by HOOKRELAY_FUZZ_TARGET
// (script/fuzz sets it). Linked by script/fuzz with `swiftc -sanitize=fuzzer,address`
// against HookrelayFuzzEntries built with coverage and ASan.

nonisolated(unsafe) var selectedTarget: FuzzTarget?

@_silgen_name("__lsan_disable") func lsanDisable()
@_silgen_name("__lsan_enable") func lsanEnable()

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    let name = getenv("HOOKRELAY_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        fputs("set HOOKRELAY_FUZZ_TARGET to one of: \(known)\n", stderr)
        exit(2)
    }
    selectedTarget = target
    // Shared state lives as long as the process; see `FuzzTarget.prepare` for why LeakSanitizer
    // is paused while it is built.
    lsanDisable()
    FuzzTarget.prepare()
    lsanEnable()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget?.run(bytes)
    return 0
}
