import CCurl

/// The multi handle as seen from other threads: only `curl_multi_wakeup`, which libcurl documents
/// as callable from any thread.
///
/// `@unchecked Sendable` because it carries a raw `CURLM *`; it is sound because the only call made
/// through it is `curl_multi_wakeup`, and `EngineInbox` makes every such call under its lock and stops
/// making them (phase `.closed`) before the engine thread calls `curl_multi_cleanup`.
struct MultiWakeup: @unchecked Sendable {
    let multi: UnsafeMutableRawPointer

    func wake() {
        _ = curl_multi_wakeup(multi)
    }
}
