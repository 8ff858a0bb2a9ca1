// OrleansRep dashboard: one EventSource on /api/dashboard/stream ("init" once, then a "snapshot" per second);
// the page only draws what the silo computed. Actions POST to the site's API after a confirmation dialog.
"use strict";

const state = { history: [], timeline: [], snapshot: null, maxHistory: 300, maxTimeline: 200 };
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

function connect() {
  const source = new EventSource("/api/dashboard/stream");
  source.addEventListener("init", (e) => {
    const init = JSON.parse(e.data);
    state.history = init.history;
    state.timeline = init.timeline.slice().reverse();
    if (init.snapshot) render(init.snapshot);
    drawCharts();
    renderTimeline();
  });
  source.addEventListener("snapshot", (e) => {
    const snapshot = JSON.parse(e.data);
    state.history.push(snapshot.sample);
    if (state.history.length > state.maxHistory) state.history.splice(0, state.history.length - state.maxHistory);
    for (const ev of snapshot.events) state.timeline.unshift(ev);
    if (state.timeline.length > state.maxTimeline) state.timeline.length = state.maxTimeline;
    render(snapshot);
    drawCharts();
    if (snapshot.events.length) renderTimeline();
  });
  source.onopen = () => setConnection(true);
  source.onerror = () => setConnection(false);
}

function setConnection(up) {
  const badge = $("connection");
  badge.textContent = up ? "live" : "disconnected (retrying)";
  badge.className = "badge " + (up ? "up" : "down");
}

function render(snapshot) {
  state.snapshot = snapshot;
  $("site").textContent = "— site " + snapshot.site;
  $("recovery-master").textContent = snapshot.recoveryMaster == null ? "none" : "site " + snapshot.recoveryMaster;
  $("updated").textContent = "updated " + new Date(snapshot.time).toLocaleTimeString();
  renderMap(snapshot);
  renderGrains(snapshot.grains);
}

function lagText(r) {
  if (r.role === "Master") return "";
  const bytes = r.lagBytes != null ? r.lagBytes + " B" : r.lagFiles != null ? r.lagFiles + " log file(s)" : "?";
  const records = r.lagRecords != null ? (r.lagRecordsAtLeast ? "\u2265" : "") + r.lagRecords + " records, " : "";
  return "lag " + records + bytes + ", " + (r.lagMs < 0 ? "never heard" : r.lagMs + " ms");
}

function renderMap(snapshot) {
  const shards = [...new Set(snapshot.replicas.map((r) => r.shard))].sort((a, b) => a - b);
  const head = "<tr><th>site</th><th>bans</th>" + shards.map((s) =>
    `<th>shard ${s}</th>`).join("") + "</tr>";
  const rows = snapshot.sites.map((site) => {
    const cells = shards.map((shard) => {
      const r = snapshot.replicas.find((x) => x.site === site.id && x.shard === shard);
      if (!r) return "<td></td>";
      if (r.health === "down" || r.health === "unknown") {
        return `<td class="cell" id="cell-${site.id}-${shard}" data-role="${esc(r.role)}" data-health="${esc(r.health)}">` +
          `<div class="h-${esc(r.health)}">${r.health === "down" ? "site down" : "no status"}</div></td>`;
      }
      const hasMaster = snapshot.replicas.some((x) => x.shard === shard && x.role === "Master");
      const actions =
        (r.role !== "Master" ? `<button data-action="promote" data-site="${site.id}" data-shard="${shard}">promote</button>` +
          (hasMaster ? `<button data-action="handover" data-site="${site.id}" data-shard="${shard}">handover here</button>` : "") : "") +
        (r.role !== "Master" ? `<button data-action="sync" data-site="${site.id}" data-shard="${shard}">sync</button>` : "") +
        `<button data-action="elect" data-site="${site.id}" data-shard="${shard}">elect</button>`;
      return `<td class="cell" id="cell-${site.id}-${shard}" data-role="${esc(r.role)}" data-health="${esc(r.health)}">` +
        `<div class="role">${esc(r.role)}</div><div>gen ${r.gen} · LSN ${esc(r.lsn)}</div>` +
        `<div>${esc(lagText(r))}</div><div class="h-${esc(r.health)}">${esc(r.health)}</div>${actions}</td>`;
    }).join("");
    const health = site.reachable ? (site.healthy ? "up" : "suspect") : "down";
    return `<tr id="site-${site.id}"><th>site ${site.id}<br><small>${esc(site.address)}</small><br>` +
      `<span class="h-${health === "up" ? "ok" : "down"}" data-site-health="${health}">${health}</span></th>` +
      `<td class="bans">${esc((snapshot.replicas.find((x) => x.site === site.id && x.bans) || {}).bans || "")}` +
      `<button data-action="ban" data-site="${site.id}">ban</button><button data-action="unban" data-site="${site.id}">unban</button></td>${cells}</tr>`;
  }).join("");
  setHtml($("map").tHead, head);
  setHtml($("map").tBodies[0], rows);
}

// Only touch the DOM when something changed, so a button is not replaced under the pointer every second.
function setHtml(element, html) {
  if (element.dataset.html !== html) {
    element.innerHTML = html;
    element.dataset.html = html;
  }
}

function renderGrains(grains) {
  const n = (v, d) => v.toFixed(d);
  setHtml($("grains").tBodies[0], grains.map((g) =>
    `<tr><td>${esc(g.type)}</td><td>${g.activations}</td><td>${n(g.callsPerSecond, 1)}</td><td>${n(g.failuresPerSecond, 1)}</td>` +
    `<td>${n(g.meanMs, 2)}</td><td>${n(g.p99Ms, 2)}</td></tr>`).join(""));
}

function renderTimeline() {
  const two = (v) => String(v).padStart(2, "0");
  const time = (t) => { const d = new Date(t); return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`; };
  $("timeline").innerHTML = state.timeline.map((e) =>
    `<li data-kind="${esc(e.kind)}" data-site="${e.site}" data-shard="${e.shard}" data-gen="${e.gen}">${time(e.time)} site ${e.site} shard ${e.shard} ` +
    `<span class="kind">${esc(e.kind)}</span> gen ${e.gen}${e.about ? " → site " + e.about : ""}</li>`).join("");
}

function drawCharts() {
  drawChart($("chart-commits"), state.history.map((s) => [s.time, s.commitsPerSecond]), "#2563eb");
  drawChart($("chart-latency"), state.history.map((s) => [s.time, s.p99CommitMs]), "#d97706");
  drawChart($("chart-lag"), state.history.map((s) => [s.time, s.maxLagBytes]), "#dc2626");
}

// A line over the last minutes: x is time, y from 0 to the largest value; null values leave a gap.
function drawChart(canvas, points, color) {
  const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height, pad = 28;
  ctx.clearRect(0, 0, w, h);
  ctx.font = "10px sans-serif";
  ctx.fillStyle = "#666";
  if (points.length === 0) { ctx.fillText("no samples yet", pad, h / 2); return; }
  const t0 = Date.parse(points[0][0]), t1 = Math.max(Date.parse(points[points.length - 1][0]), t0 + 1000);
  const max = Math.max(1, ...points.map((p) => p[1] ?? 0));
  ctx.strokeStyle = "#ddd";
  ctx.beginPath(); ctx.moveTo(pad, 4); ctx.lineTo(pad, h - 14); ctx.lineTo(w - 4, h - 14); ctx.stroke();
  ctx.fillText(max >= 100 ? max.toFixed(0) : max.toPrecision(3), 2, 12);
  ctx.fillText("0", 2, h - 14);
  ctx.fillText(Math.round((t1 - t0) / 1000) + " s", w - 40, h - 2);
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  let drawing = false;
  for (const [t, v] of points) {
    if (v == null) { drawing = false; continue; }
    const x = pad + (Date.parse(t) - t0) / (t1 - t0) * (w - pad - 4);
    const y = h - 14 - v / max * (h - 22);
    if (drawing) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    drawing = true;
  }
  ctx.stroke();
  // A dot on every point, so a lone sample between gaps shows too.
  ctx.fillStyle = color;
  for (const [t, v] of points) {
    if (v == null) continue;
    const x = pad + (Date.parse(t) - t0) / (t1 - t0) * (w - pad - 4);
    ctx.fillRect(x - 1.5, h - 14 - v / max * (h - 22) - 1.5, 3, 3);
  }
}

function confirmAction(text) {
  return new Promise((resolve) => {
    const dialog = $("confirm");
    $("confirm-text").textContent = text;
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}

function notice(text, ok) {
  const box = $("notice");
  box.textContent = text;
  box.className = ok ? "ok" : "error";
  box.hidden = false;
}

const actions = {
  promote: (site, shard) => ({ text: `Promote site ${site} to master of shard ${shard}?`, url: "/api/promote", body: { site, shard, mode: "Fast", waitSeconds: 60 } }),
  handover: (site, shard) => ({ text: `Hand shard ${shard} over to site ${site}?`, url: "/api/handover", body: { shard, to: site } }),
  elect: (site, shard) => ({ text: `Call an election for shard ${shard} from site ${site}?`, url: "/api/elect", body: { shard, site } }),
  sync: (site, shard) => ({ text: `Have site ${site} sync shard ${shard} with its master now?`, url: "/api/sync", body: { site, shard } }),
  ban: (site) => ({ text: `Ban site ${site} (priority 0, its masterships handed over) for the ban period?`, url: "/api/ban", body: { site } }),
  unban: (site) => ({ text: `Lift the ban on site ${site}?`, url: "/api/unban", body: { site } }),
};

async function runAction(name, site, shard) {
  const action = actions[name](site, shard);
  if (!(await confirmAction(action.text))) return;
  notice(`${name}: sent…`, true);
  try {
    const response = await fetch(action.url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(action.body) });
    const text = await response.text();
    let body = null;
    try { body = JSON.parse(text); } catch { /* not JSON: shown as text */ }
    if (response.ok) {
      notice(`${name} done: ${text}`, true);
    } else if (body && body.error) {
      notice(`${name} failed (HTTP ${response.status}): ${body.error}: ${body.message}`, false);
    } else {
      notice(`${name} failed (HTTP ${response.status})${response.status === 404 || response.status === 405 ? ": this site does not offer it" : ""} ${text}`, false);
    }
  } catch (e) {
    notice(`${name} failed: ${e}`, false);
  }
}

$("map").addEventListener("click", (e) => {
  const button = e.target.closest("button[data-action]");
  if (button) runAction(button.dataset.action, Number(button.dataset.site), Number(button.dataset.shard));
});

connect();
