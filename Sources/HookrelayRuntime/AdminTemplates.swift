import Mustache

/// The admin listener's HTML (SPEC §7, §12) as Mustache templates: `page` (`GET /admin`),
/// `events` (the event explorer's results), `event` (one event), `bin` (a request bin's inspect
/// page) and their partials `head` (doctype, CSP, inline CSS), `replay` (a replay button, or the
/// command to copy), `chart` (one SVG chart, `AdminCharts`) and `response` (a response snippet). Every template sets the content type
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
        for (name, text) in [
            ("head", head), ("replay", replay), ("chart", chart), ("response", response), ("page", page), ("events", events), ("event", event), ("bin", bin),
        ] {
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
        nav a{margin-right:1em}
        form.explorer{display:flex;gap:.8em;flex-wrap:wrap;align-items:end;border:1px solid #d0d7de;border-radius:6px;padding:.7em 1em;max-width:75em}
        form.explorer label{display:flex;flex-direction:column;font-size:.85em;color:#656d76;gap:.2em}
        form.explorer input,form.explorer select{font:inherit;font-size:1.05em;padding:.2em .4em}
        form.explorer input[type=submit]{cursor:pointer;padding:.2em .9em}
        section.charts{border:1px solid #d0d7de;border-radius:6px;padding:.5em 1em;margin:0 0 1em;max-width:1240px}
        section.charts h3{margin:.3em 0;font-size:1.05em}
        svg.chart{display:block;width:100%;height:auto;margin:.2em 0}
        svg.chart text{font-family:system-ui,sans-serif;font-size:15px;fill:#57606a}
        svg.chart text.legend{fill:#1f2328}
        svg.chart text.empty{fill:#8c959f;font-size:17px}
        svg.chart line.axis{stroke:#8c959f;stroke-width:1}
        svg.chart line.grid{stroke:#e6eaef;stroke-width:1}
        svg.chart path.series{fill:none;stroke-linecap:round;stroke-linejoin:round;stroke-width:3}
        svg.chart.attempts path.series{stroke-linecap:butt;stroke-width:1.2;shape-rendering:crispEdges}
        .delivered{stroke:#2da44e;fill:#2da44e}
        .failed{stroke:#cf222e;fill:#cf222e}
        .rejected{stroke:#bf8700;fill:#bf8700}
        .p50{stroke:#0969da;fill:#0969da}
        .p99{stroke:#8250df;fill:#8250df}
        .depth{stroke:#1b7c83;fill:#1b7c83}
        tspan.note{fill:#57606a}
        ol.timeline{list-style:none;padding-left:0;margin:.3em 0;border-left:2px solid #d0d7de}
        ol.timeline li{padding:.25em .8em;position:relative}
        ol.timeline li::before{content:"";position:absolute;left:-6px;top:.7em;width:10px;height:10px;border-radius:50%;background:#8c959f}
        ol.timeline li.ok::before{background:#2da44e}
        ol.timeline li.fail::before{background:#cf222e}
        ol.timeline li.next::before{background:#fff;border:2px solid #8c959f;width:6px;height:6px}
        dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;margin:.5em 0}
        dl.facts dt{color:#656d76}
        dl.facts dd{margin:0}
        </style></head><body>

        """#

    /// `buttons`; `kind` (`event`, `destination`), `attribute` (`event-id`, `destination`) and
    /// `target` (its value), `command`, `title`, `label`.
    static let replay = #"""
        {{% CONTENT_TYPE: HOOKRELAY_ADMIN_HTML }}
        {{#buttons}}<button type="button" disabled data-replay="{{kind}}" data-{{attribute}}="{{target}}" data-command="{{command}}" title="{{title}}">{{label}}</button> <span class="result" role="status"></span>{{/buttons}}{{^buttons}}<code>{{command}}</code>{{/buttons}}
        """#

    /// One chart of `AdminCharts`: its numbers in the legend and as `data-` attributes.
    static let chart = #"""
        {{% CONTENT_TYPE: HOOKRELAY_ADMIN_HTML }}
        <svg id="{{id}}" class="chart {{kind}}" viewBox="0 0 {{width}} {{height}}" role="img" aria-labelledby="{{id}}-title"{{#data}} data-{{name}}="{{value}}"{{/data}}>
        <title id="{{id}}-title">{{title}}</title>
        <text class="legend" x="{{left}}" y="{{legendY}}">{{#legend}}<tspan class="{{series}}">{{^note}}■ {{/note}}{{label}}</tspan>   {{/legend}}</text>
        <line class="grid" x1="{{left}}" y1="{{plotTop}}" x2="{{right}}" y2="{{plotTop}}"/>
        {{#ticks}}<line class="grid" x1="{{x}}" y1="{{plotTop}}" x2="{{x}}" y2="{{plotBottom}}"/><text class="axis" x="{{x}}" y="{{timeY}}" text-anchor="middle">{{label}}</text>{{/ticks}}
        <line class="axis" x1="{{left}}" y1="{{plotBottom}}" x2="{{right}}" y2="{{plotBottom}}"/>
        <text class="axis" x="{{labelX}}" y="{{topLabelY}}" text-anchor="end">{{yTop}}</text>
        <text class="axis" x="{{labelX}}" y="{{bottomLabelY}}" text-anchor="end">{{yBottom}}</text>
        {{#levels}}<line class="grid" x1="{{left}}" y1="{{y}}" x2="{{right}}" y2="{{y}}"/><text class="axis" x="{{labelX}}" y="{{labelY}}" text-anchor="end">{{label}}</text>{{/levels}}
        {{#paths}}
        <path class="series {{series}}" data-series="{{series}}" d="{{d}}"/>
        {{/paths}}
        {{#empty}}
        <text class="empty" x="{{emptyX}}" y="{{emptyY}}" text-anchor="middle">{{empty}}</text>
        {{/empty}}
        </svg>

        """#

    /// A response snippet: `short`, and `full` folding out when `folded`.
    static let response = #"""
        {{% CONTENT_TYPE: HOOKRELAY_ADMIN_HTML }}
        {{#folded}}<details><summary><code class="response">{{short}}</code></summary><pre>{{full}}</pre></details>{{/folded}}{{^folded}}<br><code class="response">{{short}}</code>{{/folded}}
        """#

    /// See `AdminPage.render`.
    static let page = #"""
        {{% CONTENT_TYPE: HOOKRELAY_ADMIN_HTML }}
        {{> head}}
        <header><h1>hookrelay</h1><span class="muted">as of {{asOf}} · <a href="/admin">refresh</a> · <a href="#charts">charts</a> · <a href="#explorer">find events</a> · <a href="#failures-log">failure log</a> · <a href="/metrics">/metrics</a></span></header>
        {{#config}}<p id="config-status" class="muted">config loaded {{loadedAt}}{{#reloads}} ({{reloads}} reloads){{/reloads}}{{#needsRestart}} · <b>changed [server] keys need a restart: {{needsRestart}}</b>{{/needsRestart}}</p>
        {{#refused}}<p id="reload-refused" class="bad"><b>reload refused at {{time}}; the previous config stays:</b> <code>{{reason}}</code></p>{{/refused}}{{/config}}
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
        <tr data-destination="{{name}}"><td>{{name}}</td><td class="url">{{#url}}{{url}}{{/url}}{{^url}}<span class="muted">(not in config)</span>{{#orphaned}} <span class="bad" data-orphaned="{{orphaned}}">{{orphaned}} orphaned: wait until it is back</span>{{/orphaned}}{{/url}}</td><td class="state{{#stateBad}} bad{{/stateBad}}" data-destination-state="{{state}}">{{state}}</td>{{#counts}}<td class="num{{#bad}} bad{{/bad}}" data-state="{{state}}">{{count}}</td>{{/counts}}<td class="num">{{recentFailures}}</td><td>{{#replay}}{{> replay}}{{/replay}}{{^replay}}<span class="muted">-</span>{{/replay}}</td><td>{{#steer}}<form class="steer" method="post" action="{{action}}">{{#tokenRequired}}<input type="password" name="token" placeholder="admin token" autocomplete="off" required aria-label="admin token">{{/tokenRequired}}<input type="submit" value="{{label}}"></form>{{/steer}}{{^steer}}<span class="muted">-</span>{{/steer}}</td></tr>
        {{/destinations}}
        </tbody></table>
        {{/hasDestinations}}
        <h2 id="charts">Last 24 hours</h2>
        <p class="muted">Per destination, by minute (UTC): attempts by outcome, attempt latency p50/p99 and the queue depth. The same numbers as <code>GET /admin/api/series?destination=NAME&amp;minutes=1440</code>.{{#chartsCut}} Charts are drawn for the first {{chartsShown}} destinations.{{/chartsCut}}</p>
        {{#chartDestinations}}
        <section class="charts" data-destination="{{name}}"><h3>{{name}}</h3>
        {{#charts}}
        {{> chart}}
        {{/charts}}
        </section>
        {{/chartDestinations}}
        <h2 id="explorer">Find events</h2>
        <form class="explorer" method="get" action="/admin/events">
        <label>event id<input name="id" size="28" placeholder="exact id"></label>
        <label>destination<select name="destination"><option value="">any</option>{{#destinationNames}}<option>{{.}}</option>{{/destinationNames}}</select></label>
        <label>state<select name="state"><option value="">any</option>{{#states}}<option>{{.}}</option>{{/states}}</select></label>
        <label>received since<input name="since" size="16" placeholder="24h, RFC 3339"></label>
        <label>until<input name="until" size="16" placeholder="now"></label>
        <input type="submit" value="Find">
        </form>
        <h2 id="failures-log">Failure log</h2>
        {{^failures}}
        <p id="no-failures">No failed attempts in the log (records are kept for <code>failure_log_retention</code>).</p>
        {{/failures}}
        {{#hasFailures}}
        <p class="muted">The latest failed attempts, newest first, one row per event and destination ({{failureCount}} rows from the latest {{recordCount}} attempts): the latest attempt's reason, how many of those attempts failed; the event's page has its whole timeline. All attempts, filtered: <a href="/admin/api/failures?limit=1000">/admin/api/failures</a> or <code>hookrelay failures --since 1h</code>.</p>
        <table id="failures"><thead><tr><th>time</th><th>destination</th><th>url</th><th>reason</th><th class="num">attempt</th><th>next attempt</th><th>event</th><th>replay</th></tr></thead><tbody>
        {{#failures}}
        <tr class="failure{{#dead}} dead{{/dead}}" data-attempts="{{attempts}}"><td class="time">{{time}}<br><span class="muted">{{age}} ago</span></td><td>{{destination}}</td><td class="url">{{url}}</td><td class="reason"><b>{{reason}}</b>{{#response}}{{> response}}{{/response}}</td><td class="num">{{attempt}}{{#earlier}}<br><span class="muted">{{earlier}}</span>{{/earlier}}</td><td{{#noNextAttempt}} class="bad"{{/noNextAttempt}}>{{nextAttempt}}</td><td><a href="/admin/events/{{eventPath}}" title="{{eventID}}">{{eventType}}</a><br><span class="muted id">{{shortEventID}}</span></td><td>{{#replay}}{{> replay}}{{/replay}}{{^replay}}<span class="muted">-</span>{{/replay}}</td></tr>
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

    /// The explorer's results; see `AdminExplorer.searchPage`.
    static let events = #"""
        {{% CONTENT_TYPE: HOOKRELAY_ADMIN_HTML }}
        {{> head}}
        <header><h1>Find events</h1><span class="muted"><a href="/admin">back to /admin</a> · <a href="/admin#explorer">new search</a></span></header>
        <p>{{summary}}</p>
        {{#error}}
        <p class="bad" id="search-error">{{error}}</p>
        {{/error}}
        {{#scanLimitReached}}
        <p class="muted">Only the newest {{scanLimit}} events of the time range were looked at: give a narrower range (<code>since</code>, <code>until</code>) to reach older ones.</p>
        {{/scanLimitReached}}
        {{#hasEvents}}
        <table id="events"><thead><tr><th>received</th><th>event</th><th>type</th><th>source</th><th>deliveries{{#filtered}} (matching){{/filtered}}</th></tr></thead><tbody>
        {{#events}}
        <tr><td class="time">{{received}}</td><td class="id"><a href="/admin/events/{{path}}">{{id}}</a></td><td>{{type}}</td><td>{{source}}</td><td>{{#deliveries}}{{destination}}: <span class="{{#bad}}bad{{/bad}}">{{state}}</span> ({{attempts}} attempts)<br>{{/deliveries}}</td></tr>
        {{/events}}
        </tbody></table>
        {{/hasEvents}}
        </body></html>

        """#

    /// One event; see `AdminExplorer.eventPage`.
    static let event = #"""
        {{% CONTENT_TYPE: HOOKRELAY_ADMIN_HTML }}
        {{> head}}
        <header><h1>Event <code>{{id}}</code></h1><span class="muted"><a href="/admin">back to /admin</a> · <a href="/admin/api/events/{{path}}">JSON</a></span></header>
        <dl class="facts"><dt>type</dt><dd>{{type}}</dd><dt>source</dt><dd>{{source}}</dd>{{#domain}}<dt>domain</dt><dd>{{domain}}</dd>{{/domain}}<dt>received</dt><dd>{{received}}</dd></dl>
        <h2>Deliveries</h2>
        {{#deliveries}}
        <section class="delivery" data-destination="{{destination}}"><h3>{{destination}} <span class="{{#bad}}bad{{/bad}}" data-state="{{state}}">{{state}}</span> <span class="muted">{{attempts}} attempt(s)</span></h3>
        <p class="muted"><code>{{url}}</code></p>
        <ol class="timeline">
        {{#timeline}}
        <li class="{{kind}}"><span class="time">{{time}}</span> · <b>{{label}}</b>{{#reason}} · {{reason}}{{/reason}}{{#next}} · <span class="muted">{{next}}</span>{{/next}}{{#response}}{{> response}}{{/response}}</li>
        {{/timeline}}
        </ol>
        </section>
        {{/deliveries}}
        {{#replay}}
        <p class="muted">Replay this event (each delivery not already waiting to go): <code>{{replay}}</code>, or <code>POST /admin/api/replay</code> with <code>{"event_id":…}</code>.</p>
        {{/replay}}
        {{#attemptsCut}}
        <p class="muted">Only the first {{attemptLimit}} failed attempts are shown; all of them: <code>hookrelay failures</code> or <a href="/admin/api/failures?limit=1000">/admin/api/failures</a>.</p>
        {{/attemptsCut}}
        <h2>Body</h2>
        <p class="muted" id="body-note">{{bodyNote}}</p>
        {{#bodyText}}
        <pre id="body">{{bodyText}}</pre>
        {{/bodyText}}
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
