@testable import HookrelayCurl
import Testing

/// The response snippet kept with a failed attempt is at most 1 KiB of text (SPEC §7), also when
/// the answer is not UTF-8 and each bad byte becomes a three-byte U+FFFD.
@Suite struct SnippetTextTests {
    @Test func utf8IsKeptAsItIs() {
        #expect(EasyTransfer.snippetText(Array("sink says 500".utf8)) == "sink says 500")
        let full = [UInt8](repeating: UInt8(ascii: "a"), count: 1024)
        #expect(EasyTransfer.snippetText(full) == String(repeating: "a", count: 1024))
    }

    @Test func latin1StaysWithin1KiB() {
        let latin1 = [UInt8](repeating: 0xE9, count: 1024)  // "é" in Latin-1: not UTF-8
        let text = EasyTransfer.snippetText(latin1)
        #expect(text.utf8.count <= 1024)
        #expect(text.unicodeScalars.allSatisfy { $0 == "\u{FFFD}" })
        #expect(text.unicodeScalars.count == 1024 / 3)
    }

    @Test func cutBetweenCharacters() {
        // 1,023 ASCII bytes and the first byte of a two-byte character: the decoder's U+FFFD
        // would take the text to 1,026 bytes, so it goes.
        let bytes = [UInt8](repeating: UInt8(ascii: "b"), count: 1023) + [0xC3]
        let text = EasyTransfer.snippetText(bytes)
        #expect(text == String(repeating: "b", count: 1023))
    }
}
