// riskcap dashboard: reads the /v1 API with the key the user entered once.
"use strict";

const KEY = "riskcap.apiKey";
const FIGURE = { method: "hs", horizon: 1, confidence: 0.99 };
const state = { nodes: [], node: null, me: null };
const $ = (id) => document.getElementById(id);
const money = (x) => (x === null || x === undefined) ? "–" :
  Math.round(x).toLocaleString("en-US");

async function api(path) {
  const response = await fetch(path, { headers: { "X-API-Key": localStorage.getItem(KEY) || "" } });
  if (response.status === 401) { signOut("The key was refused: " + (await response.json()).detail); throw new Error("401"); }
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail; } catch (e) { /* not JSON */ }
    throw new Error(`${response.status} ${detail}`);
  }
  return response.json();
}

function signOut(message) {
  localStorage.removeItem(KEY);
  $("main").hidden = true; $("signout").hidden = true; $("login").hidden = false;
  $("login-error").textContent = message || "";
}

function children(node) { return state.nodes.filter((n) => n.parent === node); }
function parentsOf(node) {
  const out = [];
  let n = state.nodes.find((x) => x.node === node);
  while (n) { out.unshift(n.node); n = state.nodes.find((x) => x.node === n.parent); }
  return out;
}

function nodeLink(node) {
  const a = document.createElement("a");
  a.className = "node"; a.textContent = node; a.dataset.node = node;
  a.addEventListener("click", () => show(node));
  return a;
}

function cell(row, text, cls) {
  const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls; return td;
}

async function start() {
  if (!localStorage.getItem(KEY)) { signOut(); return; }
  try { state.me = await api("/v1/me"); } catch (e) { return; }
  $("login").hidden = true; $("main").hidden = false; $("signout").hidden = false;
  $("who").textContent = `${state.me.key_id} · ${state.me.role} · desks ${state.me.desks.join(", ")}`;
  state.nodes = await api("/v1/nodes");
  const top = state.nodes.find((n) => n.parent === null || !state.nodes.some((p) => p.node === n.parent));
  if (!top) { $("status").textContent = "No nodes you may see yet (no books in the lake)."; return; }
  show(location.hash ? decodeURIComponent(location.hash.slice(1)) : top.node);
}

async function show(node) {
  if (!state.nodes.some((n) => n.node === node)) node = state.nodes[0].node;
  state.node = node;
  history.replaceState(null, "", "#" + encodeURIComponent(node));
  document.querySelectorAll(".node-name").forEach((e) => { e.textContent = node; });
  const crumbs = $("breadcrumbs"); crumbs.textContent = "";
  parentsOf(node).filter((n) => state.nodes.some((x) => x.node === n)).forEach((n, i) => {
    if (i) crumbs.append(" › ");
    crumbs.append(nodeLink(n));
  });
  $("status").textContent = "loading…";
  const jobs = [trend(node), childTable(node), histogram(node), backtest(node), capital(node), adequacy(node), limits(node), lineage()];
  const failed = (await Promise.allSettled(jobs)).filter((r) => r.status === "rejected");
  $("status").textContent = failed.length ? failed.map((r) => r.reason.message).join("; ") : "";
  document.body.dataset.node = node;
  document.body.dataset.loaded = "true";
}

const q = (params) => new URLSearchParams(params).toString();
const figureQuery = (extra) => q({ ...FIGURE, ...extra });

async function trend(node) {
  const rows = await api("/v1/results?" + figureQuery({ node, days: 2000 }));
  const series = (measure) => rows.filter((r) => r.measure === measure);
  const v = series("var"), e = series("es");
  Plotly.react("var-trend", [
    { x: v.map((r) => r.as_of), y: v.map((r) => r.value), name: "VaR", mode: "lines+markers" },
    { x: e.map((r) => r.as_of), y: e.map((r) => r.value), name: "ES", mode: "lines+markers" },
  ], { margin: { t: 10, r: 10, b: 40, l: 80 }, yaxis: { title: "loss (reporting ccy)" },
       xaxis: { title: `${FIGURE.method} ${FIGURE.horizon}-day ${FIGURE.confidence * 100} %` } },
  { displaylogo: false, responsive: true });
  const last = (s) => s.length ? s[s.length - 1] : null;
  const lv = last(v), le = last(e);
  const box = $("latest"); box.textContent = "";
  for (const [label, r, id] of [["VaR", lv, "latest-var"], ["ES", le, "latest-es"]]) {
    const span = document.createElement("span");
    span.textContent = `${label} ${r ? r.as_of : ""}: `;
    const b = document.createElement("b"); b.id = id; b.textContent = money(r && r.value);
    if (r) b.dataset.value = r.value;
    span.append(b); box.append(span);
  }
}

async function childTable(node) {
  const kids = children(node);
  const body = $("children").tBodies[0]; body.textContent = "";
  if (!kids.length) { const r = body.insertRow(); cell(r, "(a book: no children)", "muted"); return; }
  const rows = await api("/v1/results?" + figureQuery({}));
  for (const k of kids) {
    const r = body.insertRow();
    r.insertCell().append(nodeLink(k.node));
    const v = rows.find((x) => x.node === k.node && x.measure === "var");
    const e = rows.find((x) => x.node === k.node && x.measure === "es");
    cell(r, money(v && v.value), "num"); cell(r, money(e && e.value), "num");
  }
}

async function histogram(node) {
  const d = await api(`/v1/pnl/${encodeURIComponent(node)}`);
  const h = d.histogram;
  const mids = h.counts.map((_, i) => (h.edges[i] + h.edges[i + 1]) / 2);
  const conf = String(FIGURE.confidence);
  const varX = -d.var[conf], esX = -d.es[conf];
  const line = (x, name, color) => ({ type: "line", x0: x, x1: x, yref: "paper", y0: 0, y1: 1,
    line: { color, dash: "dash" }, name });
  Plotly.react("pnl-hist", [{ type: "bar", x: mids, y: h.counts, name: "scenarios" }], {
    margin: { t: 10, r: 10, b: 40, l: 50 }, bargap: 0,
    xaxis: { title: `P&L ${d.as_of} (${d.scenarios} scenarios)` },
    shapes: [line(varX, "VaR", "#d98c00"), line(esX, "ES", "#c62828")],
    annotations: [
      { x: varX, y: 1, yref: "paper", text: `VaR ${money(d.var[conf])}`, showarrow: false, yanchor: "bottom" },
      { x: esX, y: 0.9, yref: "paper", text: `ES ${money(d.es[conf])}`, showarrow: false, xanchor: "right" },
    ],
  }, { displaylogo: false, responsive: true });
}

async function backtest(node) {
  const b = await api("/v1/backtests?" + q({ node, method: FIGURE.method }));
  const ex = b.exceptions.filter((r) => r.confidence === FIGURE.confidence);
  const series = (type) => ex.filter((r) => r.pnl_type === type);
  Plotly.react("backtest", ["hypothetical", "actual"].map((t) => ({
    x: series(t).map((r) => r.date), y: series(t).map((r) => -r.pnl), name: `${t} loss`,
    mode: "markers", type: "scatter",
  })), { margin: { t: 10, r: 10, b: 40, l: 80 }, yaxis: { title: "loss beyond VaR" },
    annotations: ex.length ? [] : [{ text: "no exceptions", showarrow: false, xref: "paper",
      yref: "paper", x: 0.5, y: 0.5 }] },
  { displaylogo: false, responsive: true });
  const z = b.zones.find((r) => r.node === node);
  const badge = $("zone");
  badge.className = "zone " + (z ? z.zone : "");
  badge.textContent = z ? `${z.zone}: ${z.exceptions} in ${z.observations} days (×${z.multiplier})` +
    (z.indicative ? " · indicative (< 250 days)" : "") : "";
  badge.dataset.indicative = z && z.indicative ? "true" : "false";
}

async function capital(node) {
  const c = await api("/v1/capital?" + q({ node }));
  const basel = c.basel25[0], frtb = c.frtb[0];
  const sa = (c.frtb_sa || []).find((r) => !node || r.node === node) || (c.frtb_sa || [])[0];
  const traces = [];
  if (basel) traces.push({ type: "bar", name: "Basel 2.5", x: ["VaR term", "SVaR term", "total"],
    y: [basel.var_term, basel.svar_term, basel.capital] });
  if (frtb) traces.push({ type: "bar", name: "FRTB IMA", x: ["IMCC", "SES", "total"],
    y: [frtb.imcc, frtb.ses, frtb.capital] });
  if (sa) traces.push({ type: "bar", name: `FRTB SA (${sa.scenario} correlations)`,
    x: ["SBM", "DRC", "RRAO", "total"], y: [sa.sbm, sa.drc, sa.rrao, sa.sa] });
  if (sa && sa.acr) traces.push({ type: "bar", name: "market-risk capital (MAR33.43)",
    x: ["total"], y: [sa.acr.total] });
  Plotly.react("capital", traces, { margin: { t: 10, r: 10, b: 40, l: 80 }, barmode: "group" },
    { displaylogo: false, responsive: true });
}

const RWA_PARTS = [["credit", "credit"], ["ccr", "CCR (SA-CCR)"], ["cva", "CVA"],
  ["market", "market × 12.5"], ["operational", "operational × 12.5"]];

async function adequacy(node) {
  // Basel III per legal entity and the firm: the RWA waterfall by risk type and each
  // ratio against its requirement stack (minimum + buffers)
  const note = $("adequacy-note");
  const charts = ["rwa-waterfall", "ratios"];
  const kind = node.split(":")[0];
  if (kind !== "firm" && kind !== "entity") {
    note.textContent = "Capital adequacy is per legal entity and for the firm: pick one of them.";
    charts.forEach((c) => Plotly.purge(c));
    return;
  }
  let doc;
  try {
    doc = await api("/v1/capital/adequacy?" + q(kind === "entity" ? { entity: node } : {}));
  } catch (e) {
    note.textContent = "Not computed in this run (" + e.message + ").";
    charts.forEach((c) => Plotly.purge(c));
    return;
  }
  const n = doc.nodes.find((x) => x.node === node);
  if (!n) { note.textContent = "No Basel III figures for this node."; return; }
  const c = n.ratios.cet1;
  note.textContent = `total RWA ${money(n.rwa_total)} (output floor ${(100 * n.output_floor).toFixed(1)}%` +
    ` of standardised ${money(n.rwa_standardised)}); CET1 ${(100 * c.value).toFixed(2)}% vs ` +
    `${(100 * c.requirement).toFixed(2)}% required` + (c.met ? "" : " — BELOW REQUIREMENT");
  note.dataset.met = String(Object.values(n.ratios).every((r) => r.met));
  const x = [...RWA_PARTS.map((p) => p[1]), "output floor add-on", "total RWA"];
  const y = [...RWA_PARTS.map((p) => n.rwa[p[0]]), n.floor_add_on, n.rwa_total];
  Plotly.react("rwa-waterfall", [{
    type: "waterfall", name: "RWA", x, y, measure: [...RWA_PARTS.map(() => "relative"), "relative", "total"],
    connector: { line: { color: "#999" } },
  }], { margin: { t: 10, r: 10, b: 80, l: 80 }, showlegend: false }, { displaylogo: false, responsive: true });
  const names = Object.keys(n.ratios);
  const pct = (v) => 100 * v;
  Plotly.react("ratios", [
    { type: "bar", name: "minimum", x: names, y: names.map((k) => pct(n.ratios[k].minimum)) },
    { type: "bar", name: "buffers", x: names,
      y: names.map((k) => pct(n.ratios[k].requirement - n.ratios[k].minimum)) },
    { type: "scatter", mode: "markers", name: "ratio", x: names,
      y: names.map((k) => pct(n.ratios[k].value)), marker: { size: 14, symbol: "diamond",
        color: names.map((k) => (n.ratios[k].met ? "#2a7" : "#d33")) } },
  ], { barmode: "stack", margin: { t: 10, r: 10, b: 40, l: 50 }, yaxis: { title: "% of RWA / exposure" } },
  { displaylogo: false, responsive: true });
}

async function limits(node) {
  const lims = await api("/v1/limits");
  const body = $("limits").tBodies[0]; body.textContent = "";
  for (const l of lims) {
    const r = body.insertRow();
    r.insertCell().append(nodeLink(l.node));
    cell(r, `${l.method} ${l.horizon}d ${l.confidence * 100}% ${l.measure.toUpperCase()}`);
    cell(r, money(l.value), "num"); cell(r, money(l.limit_value), "num");
    const used = l.utilisation;
    const td = r.insertCell();
    td.innerHTML = used === null ? "–" :
      `<span class="bar"><i class="${used > 1 ? "over" : ""}" style="width:${Math.min(100, used * 100)}%"></i></span> ${(used * 100).toFixed(0)}%`;
  }
  const alerts = await api("/v1/alerts");
  const ab = $("alerts").tBodies[0]; ab.textContent = "";
  for (const a of alerts.slice(0, 20)) {
    const r = ab.insertRow();
    cell(r, a.as_of); r.insertCell().append(nodeLink(a.node)); cell(r, a.message);
    cell(r, a.acknowledged ? "ack" : "open");
  }
}

async function lineage() {
  const runs = await api("/v1/runs?limit=1");
  const box = $("lineage"); box.textContent = "";
  if (!runs.length) { box.textContent = "no run yet"; return; }
  const run = await api(`/v1/runs/${runs[0].run_id}`);
  const p = document.createElement("p");
  p.textContent = `run ${run.run_id} · ${run.as_of} · ${run.status}` +
    (run.run && run.run.seconds ? ` · ${run.run.seconds.toFixed(1)} s` : "");
  box.append(p);
  const t = document.createElement("table");
  t.innerHTML = "<thead><tr><th>task</th><th>status</th><th>attempts</th><th>seconds</th></tr></thead>";
  const tb = t.createTBody();
  for (const task of run.tasks) {
    const r = tb.insertRow();
    cell(r, task.name); cell(r, task.status); cell(r, task.attempts, "num");
    cell(r, task.seconds === null ? "–" : task.seconds.toFixed(2), "num");
  }
  box.append(t);
  if (run.status !== "succeeded") return;
  const m = await api(`/v1/runs/${run.run_id}/lineage`);
  const facts = document.createElement("p");
  facts.className = "muted";
  const inputs = Object.entries(m.inputs || {}).map(([k, v]) => `${k} v${v.version}`).join(", ");
  facts.textContent = `inputs: ${inputs} · config ${String(m.config_hash).slice(0, 12)} · ` +
    `code ${m.code.version} (${m.code.git_commit || "no git"}) · seed ${m.seed} · ${m.device}`;
  box.append(facts);
}

$("login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  localStorage.setItem(KEY, $("key").value.trim());
  $("key").value = "";
  start();
});
$("signout").addEventListener("click", () => signOut());
start();
