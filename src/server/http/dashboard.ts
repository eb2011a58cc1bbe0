/**
 * The dashboard page served at `/`: one self-contained HTML document (inline CSS, script and
 * SVG; no CDN, no build step). It reads `/events` (server-sent events) and redraws on each
 * sample. Data is inserted with textContent only, never as HTML.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>venice-ipc dashboard</title>
<style>
  :root { --bg:#f6f7f9; --fg:#1d2430; --muted:#667085; --card:#fff; --line:#e3e7ee; --in:#2f6fde; --out:#1f9d6b; --bad:#d9483b; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
  header { display: flex; align-items: baseline; gap: 16px; padding: 14px 20px; background: #1d2430; color: #fff; }
  header h1 { font-size: 18px; margin: 0; }
  header .muted { color: #aab4c3; }
  #state { margin-left: auto; }
  main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
  .cards { display: grid; grid-template-columns: repeat(5, 1fr); gap: 12px; grid-column: 1 / -1; }
  .card, section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  .card .v { font-size: 26px; font-weight: 600; }
  .card .k, .muted { color: var(--muted); }
  section h2 { font-size: 14px; margin: 0 0 8px; }
  section.wide { grid-column: 1 / -1; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 500; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .bar { width: 160px; height: 10px; background: #edf0f5; border-radius: 5px; overflow: hidden; }
  .bar > div { height: 100%; background: var(--in); }
  .bar > div.full { background: var(--bad); }
  .legend span { margin-right: 14px; }
  .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: middle; }
  svg { width: 100%; height: 180px; display: block; }
  .bad { color: var(--bad); }
</style>
</head>
<body>
<header><h1>venice-ipc</h1><span id="uri" class="muted"></span><span id="uptime" class="muted"></span><span id="state" class="muted">connecting…</span></header>
<main>
  <div class="cards">
    <div class="card"><div class="k">connections</div><div class="v" id="connections">–</div></div>
    <div class="card"><div class="k">messages in /s</div><div class="v" id="rate-in">–</div></div>
    <div class="card"><div class="k">messages out /s</div><div class="v" id="rate-out">–</div></div>
    <div class="card"><div class="k">pub/sub drops</div><div class="v" id="drops">–</div></div>
    <div class="card"><div class="k">errors</div><div class="v" id="errors">–</div></div>
  </div>
  <section class="wide"><h2>Message rates (last minutes)</h2>
    <div class="legend"><span><i style="background:var(--in)"></i>in</span><span><i style="background:var(--out)"></i>out</span><span><i style="background:var(--bad)"></i>drops + errors</span><span id="peak" class="muted"></span></div>
    <svg id="chart" viewBox="0 0 600 180" preserveAspectRatio="none" aria-label="message rates"></svg>
  </section>
  <section><h2>Queues</h2><table><thead><tr><th>queue</th><th>type</th><th class="n">size</th><th class="n">capacity</th><th>fill</th></tr></thead><tbody id="queues"></tbody></table></section>
  <section><h2>Topics</h2><table><thead><tr><th>topic</th><th class="n">subscribers</th><th class="n">pushes</th><th class="n">drops</th></tr></thead><tbody id="topics"></tbody></table></section>
  <section><h2>Connections</h2><table><thead><tr><th>#</th><th>remote</th><th>principal</th><th>enc</th><th class="n">subs</th><th class="n">in bytes</th><th class="n">out bytes</th></tr></thead><tbody id="conns"></tbody></table></section>
  <section><h2>Errors</h2><table><tbody id="errs"></tbody></table></section>
  <section class="wide"><h2>Write-ahead log</h2><div id="waldir" class="muted"></div><table><thead><tr><th>queue</th><th class="n">records</th><th class="n">syncs</th><th class="n">records/sync</th><th class="n">file bytes</th><th class="n">dead bytes</th><th>state</th></tr></thead><tbody id="wal"></tbody></table></section>
</main>
<script>
"use strict";
var samples = [];
var maxPoints = 300;
function $(id) { return document.getElementById(id); }
function fmt(n) { return typeof n === "number" ? n.toLocaleString("en-US", { maximumFractionDigits: 1 }) : String(n); }
function row(cells, classes) {
  var tr = document.createElement("tr");
  cells.forEach(function (c, i) {
    var td = document.createElement("td");
    if (c instanceof Node) td.appendChild(c); else td.textContent = c;
    if (classes && classes[i]) td.className = classes[i];
    tr.appendChild(td);
  });
  return tr;
}
function fill(id, rows, empty) {
  var body = $(id);
  body.replaceChildren.apply(body, rows.length ? rows : [row([empty])]);
}
function bar(size, cap) {
  var outer = document.createElement("div"); outer.className = "bar";
  var inner = document.createElement("div");
  var p = cap > 0 ? Math.min(100, (100 * size) / cap) : 0;
  inner.style.width = p + "%"; if (p >= 100) inner.className = "full";
  outer.title = Math.round(p) + "% full"; outer.appendChild(inner); return outer;
}
function line(points, key, max, color) {
  if (points.length < 2) return "";
  var w = 600, h = 170, n = maxPoints - 1;
  var x0 = w - (points.length - 1) * (w / n);
  var d = points.map(function (p, i) {
    return (i ? "L" : "M") + (x0 + i * (w / n)).toFixed(1) + " " + (h - (h - 6) * (key(p) / max) + 4).toFixed(1);
  }).join(" ");
  return '<path d="' + d + '" fill="none" stroke="' + color + '" stroke-width="2"/>';
}
function chart() {
  var max = 1;
  samples.forEach(function (p) { max = Math.max(max, p.in, p.out, p.drops + p.errors); });
  var grid = "";
  for (var i = 1; i < 4; i++) grid += '<line x1="0" x2="600" y1="' + (i * 45) + '" y2="' + (i * 45) + '" stroke="#e3e7ee"/>';
  $("chart").innerHTML = grid +
    line(samples, function (p) { return p.in; }, max, "#2f6fde") +
    line(samples, function (p) { return p.out; }, max, "#1f9d6b") +
    line(samples, function (p) { return p.drops + p.errors; }, max, "#d9483b");
  $("peak").textContent = "scale: " + fmt(max) + " msg/s";
}
function render(s) {
  var c = s.counters;
  $("uptime").textContent = "up " + s.uptimeSeconds + " s";
  $("connections").textContent = fmt(s.connections.length);
  var last = samples[samples.length - 1];
  $("rate-in").textContent = last ? fmt(last.in) : "0";
  $("rate-out").textContent = last ? fmt(last.out) : "0";
  $("drops").textContent = fmt(c.publishDiscardedCount);
  var errs = c.responseDiscardedCount + c.authFailures;
  Object.keys(c.connectionErrors).forEach(function (k) { errs += c.connectionErrors[k]; });
  Object.keys(c.connectionsRefused).forEach(function (k) { errs += c.connectionsRefused[k]; });
  $("errors").textContent = fmt(errs);
  $("errors").className = errs > 0 ? "v bad" : "v";
  fill("queues", s.queues.map(function (q) {
    var kind = q.type.toLowerCase() + (q.durable ? ", durable" : "") + (q.temporary ? ", temporary" : "");
    return row([q.name, kind, fmt(q.size), fmt(q.capacity), bar(q.size, q.capacity)], ["", "muted", "n", "n", ""]);
  }), "no queues");
  fill("topics", s.topics.map(function (t) { return row([t.topic, fmt(t.subscribers), fmt(t.pushes), fmt(t.drops)], ["", "n", "n", "n"]); }), "no subscriptions");
  fill("conns", s.connections.map(function (k) {
    return row([String(k.id), k.remote, k.principal, k.encrypted ? "yes" : "no", fmt(k.subscriptions), fmt(k.bytesRead), fmt(k.bytesWritten)], ["", "", "", "", "n", "n", "n"]);
  }), "no connections");
  var er = [
    row(["failed logins", fmt(c.authFailures)], ["", "n"]),
    row(["response errors recorded", fmt(c.responseDiscardedCount)], ["", "n"])
  ];
  Object.keys(c.connectionsRefused).forEach(function (k) { er.push(row(["refused: " + k, fmt(c.connectionsRefused[k])], ["", "n"])); });
  Object.keys(c.connectionErrors).forEach(function (k) { er.push(row(["closed by " + k, fmt(c.connectionErrors[k])], ["", "n"])); });
  fill("errs", er, "");
  if (s.wal) {
    $("waldir").textContent = s.wal.dir;
    fill("wal", s.wal.logs.map(function (l) {
      return row([l.queue, fmt(l.records), fmt(l.syncs), l.syncs ? fmt(l.records / l.syncs) : "–", fmt(l.fileBytes), fmt(l.deadBytes), l.failed ? "FAILED" : "ok"], ["", "n", "n", "n", "n", "n", l.failed ? "bad" : ""]);
    }), "no durable queues");
  } else {
    $("waldir").textContent = "no write-ahead log (server started without walDir)";
    fill("wal", [], "–");
  }
  chart();
}
function start() {
  var es = new EventSource("events");
  es.onopen = function () { $("state").textContent = "live"; };
  es.onerror = function () { $("state").textContent = "reconnecting…"; };
  es.onmessage = function (ev) {
    var m = JSON.parse(ev.data);
    if (m.history) { samples = m.history.slice(-maxPoints); }
    if (m.uri) $("uri").textContent = m.uri;
    if (m.sample) { samples.push(m.sample); if (samples.length > maxPoints) samples.shift(); }
    render(m.status);
  };
}
start();
</script>
</body>
</html>
`;
