@testable import HookrelayCurl
import Testing

/// Which attempts are made over TLS (HTTP/2 may be negotiated there; plain http is HTTP/1.1):
/// the scheme in any case, as the config accepts it.
@Suite struct EasyTransferSchemeTests {
    @Test func httpsInAnyCase() {
        #expect(EasyTransfer.usesTLS("https://partner.example/hook"))
        #expect(EasyTransfer.usesTLS("HTTPS://partner.example/hook"))
        #expect(EasyTransfer.usesTLS("Https://partner.example/hook"))
    }

    @Test func notHTTPS() {
        #expect(!EasyTransfer.usesTLS("http://127.0.0.1:8080/hook"))
        #expect(!EasyTransfer.usesTLS("HTTP://127.0.0.1:8080/hook"))
        #expect(!EasyTransfer.usesTLS("https"))
        #expect(!EasyTransfer.usesTLS(""))
        #expect(!EasyTransfer.usesTLS("httpsx://partner.example"))
    }
}
