import Mustache

/// The admin listener's HTML (SPEC §7) as Mustache templates: `page` (`GET /admin`), `bin`
/// (a request bin's inspect page) and their partials `head` (doctype, CSP, inline CSS) and
/// `replay` (a replay button, or the command to copy). Every template sets the content type
/// `AdminHTMLContentType`, so `{{name}}` is escaped for HTML text and attribute values;
/// `{{{script}}}`, the page's own script, is the only unescaped value.
///
/// A line holding only a section tag is "standalone" in Mustache and leaves nothing in the
/// output, not even its newline: the templates are laid out one output line per line.
enum AdminTemplates {
    /// The templates, parsed once (the first page rendered).
    static let library: MustacheLibrary = {
        precondition(AdminHTMLContentType.registered)
        var library = MustacheLibrary()
        for (name, text) in [("head", head), ("replay", replay), ("page", page), ("bin", bin)] {
            do {
                try library.register(text, named: name)
            } catch {
                // Constant text, parsed in every test run: a mistake here is a programming error.
                fatalError("admin template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    /// The template `name` rendered over `data` (dictionaries, arrays, strings, numbers, booleans).
    static func render(_ name: String, _ data: [String: Any]) -> String {
        library.render(data, withTemplate: name) ?? ""
    }

    /// `title`; `nonce`: the page's CSP script nonce, or false for no script at all.
    static let head = #"""
        {{% CONTENT_TYPE: HOOKRELAY_ADMIN_HTML }}
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src {{#nonce}}'nonce-{{nonce}}'{{/nonce}}{{^nonce}}'none'{{/nonce}}; connect-src 'self'; base-uri 'none'; form-action 'self'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}}</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1f2328;background:#fff;font-size:15px}
        header{display:flex;align-items:baseline;gap:1em;flex-wrap:wrap}
        h1{font-size:1.5em;margin:0 0 .5em}
        h2{font-size:1.15em;margin:1.5em 0 .5em}
        a{color:#0550ae}
        .muted{color:#656d76;font-size:.9em}
        .summary{display:flex;gap:1em;flex-wrap:wrap}
        .card{border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em;min-width:10em}
        .card .value{font-size:1.6em;font-weight:600}
        table{border-collapse:collapse;font-size:.9em;max-width:100%}
        th,td{border:1px solid #d0d7de;padding:.35em .6em;text-align:left;vertical-align:top}
        th{background:#f6f8fa;font-weight:600}
        tbody tr:nth-child(even){background:#fafbfc}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        td.url{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere;max-width:28em}
        td.reason{min-width:12em;max-width:30em}
        td.time{white-space:nowrap}
        .id{overflow-wrap:anywhere}
        .bad{color:#cf222e;font-weight:600}
        tr.dead td:first-child{box-shadow:inset 3px 0 #cf222e}
        code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;overflow-wrap:anywhere}
        code.response{color:#57606a}
        details summary{cursor:pointer}
        pre{background:#f6f8fa;padding:.5em;overflow:auto;max-width:40em;white-space:pre-wrap;overflow-wrap:anywhere}
        button{font:inherit;padding:.15em .7em;cursor:pointer}
        .result{font-size:.85em;color:#1a7f37}
        form.steer{display:flex;gap:.3em;margin:0}
        form.steer input[type=password]{font:inherit;width:9em}
        form.steer input[type=submit]{font:inherit;padding:.15em .7em;cursor:pointer}
        footer{margin-top:2em}
        </style></head><body>

        """#

    /// `buttons`; `kind` (`event`, `destination`), `attribute` (`event-id`, `destination`) and
    /// `target` (its value), `command`, `title`, `label`.
    static let replay = #"""
        {{% CONTENT_TYPE: HOOKRELAY_ADMIN_HTML }}
        {{#buttons}}<button type="button" disabled data-replay="{{kind}}" data-{{attribute}}="{{target}}" data-command="{{command}}" title="{{title}}">{{label}}</button> <span class="result" role="status"></span>{{/buttons}}{{^buttons}}<code>{{command}}</code>{{/buttons}}
        """#

    /// See `AdminPage.render`.
    static let page = #"""
        {{% CONTENT_TYPE: HOOKRELAY_ADMIN_HTML }}
        {{> head}}
        <header><h1>hookrelay</h1><span class="muted">as of {{asOf}} · <a href="/admin">refresh</a> · <a href="/metrics">/metrics</a></span></header>
        <section class="summary" aria-label="backlog">
        {{#cards}}
        <div class="card" id="{{id}}"><div class="value{{#bad}} bad{{/bad}}">{{value}}</div><div>{{label}}</div><div class="muted">{{detail}}</div></div>
        {{/cards}}
        </section>
        <h2>Destinations</h2>
        {{^destinations}}
        <p>No destinations configured.</p>
        {{/destinations}}
        {{#hasDestinations}}
        <table id="destinations"><thead><tr><th>destination</th><th>url</th><th>state</th>{{#states}}<th class="num">{{.}}</th>{{/states}}<th class="num">failures (1h)</th><th>replay dead</th><th>pause / resume</th></tr></thead><tbody>
        {{#destinations}}
        <tr data-destination="{{name}}"><td>{{name}}</td><td class="url">{{#url}}{{url}}{{/url}}{{^url}}<span class="muted">(not in config)</span>{{/url}}</td><td class="state{{#stateBad}} bad{{/stateBad}}" data-destination-state="{{state}}">{{state}}</td>{{#counts}}<td class="num{{#bad}} bad{{/bad}}" data-state="{{state}}">{{count}}</td>{{/counts}}<td class="num">{{recentFailures}}</td><td>{{#replay}}{{> replay}}{{/replay}}{{^replay}}<span class="muted">-</span>{{/replay}}</td><td>{{#steer}}<form class="steer" method="post" action="{{action}}">{{#tokenRequired}}<input type="password" name="token" placeholder="admin token" autocomplete="off" required aria-label="admin token">{{/tokenRequired}}<input type="submit" value="{{label}}"></form>{{/steer}}{{^steer}}<span class="muted">-</span>{{/steer}}</td></tr>
        {{/destinations}}
        </tbody></table>
        {{/hasDestinations}}
        <h2>Failure log</h2>
        {{^failures}}
        <p id="no-failures">No failed attempts in the log (records are kept for <code>failure_log_retention</code>).</p>
        {{/failures}}
        {{#hasFailures}}
        <p class="muted">The latest {{failureCount}} failed attempts, newest first. All of them, filtered: <a href="/admin/api/failures?limit=1000">/admin/api/failures</a> or <code>hookrelay failures --since 1h</code>.</p>
        <table id="failures"><thead><tr><th>time</th><th>destination</th><th>url</th><th>reason</th><th class="num">attempt</th><th>next attempt</th><th>event</th><th>replay</th></tr></thead><tbody>
        {{#failures}}
        <tr class="failure{{#dead}} dead{{/dead}}"><td class="time">{{time}}<br><span class="muted">{{age}} ago</span></td><td>{{destination}}</td><td class="url">{{url}}</td><td class="reason"><b>{{reason}}</b>{{#response}}{{#folded}}<details><summary><code class="response">{{short}}</code></summary><pre>{{full}}</pre></details>{{/folded}}{{^folded}}<br><code class="response">{{short}}</code>{{/folded}}{{/response}}</td><td class="num">{{attempt}}</td><td{{#noNextAttempt}} class="bad"{{/noNextAttempt}}>{{nextAttempt}}</td><td><a href="/admin/api/events/{{eventPath}}" title="{{eventID}}">{{eventType}}</a><br><span class="muted id">{{shortEventID}}</span></td><td>{{#replay}}{{> replay}}{{/replay}}{{^replay}}<span class="muted">-</span>{{/replay}}</td></tr>
        {{/failures}}
        </tbody></table>
        {{/hasFailures}}
        <footer class="muted"><p>Replay re-queues deliveries (due now, whole retry schedule again): by event, each delivery of that event not already waiting to go; by destination, its dead deliveries. API: <code>POST /admin/api/replay</code> with <code>{"event_id":…}</code> or <code>{"destination":…,"state":"dead","since":"24h"}</code>.</p>
        <p>Pause stops every attempt to a destination (its deliveries wait, none turns dead) until resumed, across restarts; <code>POST /admin/api/destinations/{name}/pause</code> or <code>…/resume</code>, or <code>hookrelay pause|resume --destination NAME</code>. <i>probing</i>: the circuit breaker saw <code>pause_after</code> failed attempts in a row and sends one attempt every <code>probe_every</code> until one succeeds.</p>
        {{#tokenRequired}}
        <p>This listener requires <code>admin_token</code>, which a browser does not send by itself, so replays are shown as commands to run next to the relay's config (add <code>--config PATH</code> if it is not ./relay.conf).</p>
        {{/tokenRequired}}
        </footer>
        {{#nonce}}
        <script nonce="{{nonce}}">
        {{{script}}}</script>
        {{/nonce}}
        </body></html>

        """#

    /// See `AdminRequestBin.html`.
    static let bin = #"""
        {{% CONTENT_TYPE: HOOKRELAY_ADMIN_HTML }}
        {{> head}}
        <h1>Request bin <code>{{name}}</code></h1>
        <p>{{count}} request(s) kept (the last {{perBin}}), newest first. Send to <code>/bin/{{name}}</code>; JSON: <a href="?format=json">?format=json</a>.</p>
        {{#requests}}
        <section><h2>{{method}} {{uri}} <small>{{time}}</small></h2>
        <pre>{{#headers}}{{.}}{{/headers}}
        {{body}}{{#truncated}}
        [… cut: bodies are kept to {{maxBody}} bytes, headers to {{maxHead}}]{{/truncated}}</pre></section>
        {{/requests}}
        </body></html>

        """#
}
