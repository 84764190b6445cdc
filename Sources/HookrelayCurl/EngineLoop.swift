import CCurl
import CurlShim
import HookrelayCore

/// The engine thread's work: one libcurl multi handle driven by a perform / read-completions / poll
/// loop, with a pool of reusable easy handles. Every curl call on these handles happens here.
///
/// `@unchecked Sendable` because it holds raw curl handles and unsynchronised state; it is sound
/// because exactly one thread owns it at a time: the thread that made it until `start` hands it to
/// the engine thread (thread creation orders the two), or, if the engine never started, the one
/// thread whose `stop` moved the inbox from idle to closed. No two threads ever touch it at once.
final class EngineLoop: @unchecked Sendable {
    /// Idle easy handles kept for reuse; more are cleaned up (each holds curl's buffers).
    static let idlePoolLimit = 128
    /// Longest `curl_multi_poll` wait; curl shortens it for its own timers and a wakeup ends it.
    static let pollMilliseconds: Int32 = 1000

    let multi: UnsafeMutableRawPointer
    private var idle: [EasyTransfer] = []
    private var active: [EasyTransfer] = []
    private var batch: [Submission] = []

    init(maxConnectionsPerHost: Int, maxTotalConnections: Int) throws(CurlEngineError) {
        guard let multi = curl_multi_init() else { throw .multiInitFailed }
        self.multi = multi
        _ = hr_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(0, maxConnectionsPerHost))
        _ = hr_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(0, maxTotalConnections))
        if maxTotalConnections > 0 {
            // The connection cache: keep as many idle connections as may be open at once.
            _ = hr_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxTotalConnections)
        }
    }

    /// Runs until the inbox is stopping and every transfer has finished or the deadline passed;
    /// then aborts what is left and frees every handle.
    func run(inbox: EngineInbox, counters: EngineCounters) {
        while true {
            let phase = inbox.take(into: &batch)
            for submission in batch { begin(submission, counters: counters) }
            batch.removeAll(keepingCapacity: true)

            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            drainCompletions(counters: counters)

            var wait = Self.pollMilliseconds
            if case .stopping(let deadline) = phase {
                let now = ContinuousClock.now
                if active.isEmpty || now >= deadline { break }
                wait = Int32(clamping: max(1, min(Int64(wait), now.duration(to: deadline).milliseconds + 1)))
            }
            _ = curl_multi_poll(multi, nil, 0, wait, nil)
        }
        shutdown(inbox: inbox, counters: counters)
    }

    /// Aborts transfers in progress (completion: cancelled), closes the inbox, frees every handle.
    /// Also used by `stop` when the thread never started (then nothing is active).
    func shutdown(inbox: EngineInbox, counters: EngineCounters) {
        var aborted: [(@Sendable (AttemptResult) -> Void, AttemptResult)] = []
        for transfer in active {
            _ = curl_multi_remove_handle(multi, transfer.handle)
            if let completion = transfer.completion {
                let latency = transfer.startedAt.duration(to: .now)
                aborted.append((completion, .cancelled("engine stopped before the attempt finished", latency: latency)))
            }
            transfer.finishAttempt()
            transfer.dispose()
        }
        active.removeAll()
        for transfer in idle { transfer.dispose() }
        idle.removeAll()
        let leftovers = inbox.close()  // after this no thread calls curl_multi_wakeup
        _ = curl_multi_cleanup(multi)

        for (completion, result) in aborted {
            counters.inFlight.subtract(1, ordering: .relaxed)
            completion(result)
        }
        for submission in leftovers {
            counters.inFlight.subtract(1, ordering: .relaxed)
            submission.completion(.cancelled("engine stopped before the attempt started"))
        }
    }

    private func begin(_ submission: Submission, counters: EngineCounters) {
        guard let transfer = idle.popLast() ?? EasyTransfer() else {
            complete(submission.completion, AttemptResult(status: nil, transportError: TransportError(.other, "curl_easy_init failed")), counters: counters)
            return
        }
        if let failure = transfer.prepare(submission.request) {
            recycle(transfer)
            complete(submission.completion, AttemptResult(status: nil, transportError: failure), counters: counters)
            return
        }
        transfer.completion = submission.completion
        transfer.startedAt = .now
        let code = curl_multi_add_handle(multi, transfer.handle)
        guard code == CURLM_OK else {
            recycle(transfer)
            let message = "curl_multi_add_handle: " + String(cString: curl_multi_strerror(code))
            complete(submission.completion, AttemptResult(status: nil, transportError: TransportError(.other, message)), counters: counters)
            return
        }
        transfer.activeIndex = active.count
        active.append(transfer)
    }

    private func drainCompletions(counters: EngineCounters) {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result  // read before remove_handle frees the message
            var context: UnsafeMutableRawPointer?
            guard hr_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &context) == CURLE_OK, let context else {
                _ = curl_multi_remove_handle(multi, easy)
                continue
            }
            let transfer = Unmanaged<EasyTransfer>.fromOpaque(context).takeUnretainedValue()
            _ = curl_multi_remove_handle(multi, easy)
            let result = transfer.result(for: code, counters: counters)
            let completion = transfer.completion
            removeActive(transfer)
            recycle(transfer)
            if let completion { complete(completion, result, counters: counters) }
        }
    }

    private func removeActive(_ transfer: EasyTransfer) {
        let index = transfer.activeIndex
        guard index >= 0, index < active.count, active[index] === transfer else { return }
        let last = active.removeLast()
        if index < active.count {
            active[index] = last
            last.activeIndex = index
        }
    }

    private func recycle(_ transfer: EasyTransfer) {
        transfer.finishAttempt()
        if idle.count < Self.idlePoolLimit {
            idle.append(transfer)
        } else {
            transfer.dispose()
        }
    }

    private func complete(_ completion: @Sendable (AttemptResult) -> Void, _ result: AttemptResult, counters: EngineCounters) {
        counters.inFlight.subtract(1, ordering: .relaxed)
        completion(result)
    }
}
