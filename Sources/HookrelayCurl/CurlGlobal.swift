import CCurl

/// libcurl's process-wide setup (`curl_global_init`), run once however many engines are made.
enum CurlGlobal {
    /// The result of the one `curl_global_init` call; a Swift global `let` is initialised
    /// exactly once, thread-safely, on first use. Never undone: `curl_global_cleanup` is left to exit.
    private static let initResult: UInt32 = curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue

    /// Initialises libcurl if no one has yet; throws if that failed.
    static func ensureInitialized() throws(CurlEngineError) {
        let code = CURLcode(rawValue: initResult)
        guard code == CURLE_OK else {
            throw .globalInitFailed(String(cString: curl_easy_strerror(code)))
        }
    }
}
