// spc studio: the page. Plain JavaScript, no libraries, nothing fetched but this server's API.
"use strict";

const $ = (id) => document.getElementById(id);

const state = {
  catalog: null,
  source: null, // { scenario: name } or { lesson: name }
  edits: {},
  values: {},
  target: null,
  reply: null,
  inflight: null,
  changedAt: null,
  runs: 0,
  play: null,
  playStale: true,
  playInflight: null,
  frame: 0,
  playing: false,
  frameStart: 0,
  slots: null,
};

// ---------- numbers ----------

const grouped = (v, d = 0) =>
  v.toLocaleString("en-GB", { minimumFractionDigits: d, maximumFractionDigits: d });

function money(v, signed) {
  const s = signed && v > 0 ? "+" : v < 0 ? "−" : "";
  const a = Math.abs(v);
  if (a >= 1e6) return `${s}${grouped(a / 1e6, 2)} MEUR`;
  if (a >= 1e3) return `${s}${grouped(a / 1e3, 0)} kEUR`;
  return `${s}${grouped(a, 0)} EUR`;
}

function fmt(v, unit) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "n/a";
  switch (unit) {
    case "share": return `${grouped(100 * v, 1)}%`;
    case "eur": return money(v, false);
    case "count": return grouped(v, 0);
    default: return grouped(v, 2);
  }
}

function fmtDelta(v, unit) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "n/a";
  const sign = v > 0 ? "+" : v < 0 ? "−" : "±";
  const a = Math.abs(v);
  switch (unit) {
    case "share": return `${sign}${grouped(100 * a, 1)} pts`;
    case "eur": return a === 0 ? "±0 EUR" : money(v, true);
    case "count": return `${sign}${grouped(a, 0)}`;
    default: return `${sign}${grouped(a, a < 0.1 ? 3 : 2)}`;
  }
}

function fmtControl(v, c) {
  if (c.unit.startsWith("EUR")) return `${grouped(v, 0)} EUR`;
  if (c.unit.startsWith("share")) return `${grouped(100 * v, 1)}%`;
  if (c.unit.startsWith("x ")) return `${grouped(v, 2)}×`;
  if (c.unit === "per month") return `${grouped(100 * v, 2)}%`;
  const decimals = c.step >= 1 ? 0 : c.step >= 0.1 ? 1 : 2;
  return grouped(v, decimals);
}

// ---------- a small chart helper on <canvas> ----------

function canvasOf(id) {
  const canvas = $(id);
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(canvas.clientWidth, 100);
  const h = Math.max(canvas.clientHeight, 100);
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px "Studio Sans", sans-serif';
  ctx.textBaseline = "middle";
  return { canvas, ctx, w, h };
}

function niceTicks(lo, hi, n) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

function span(values, pad = 0.05, zero = false) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo)) return [0, 1];
  if (zero) { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
  if (hi === lo) { hi += Math.abs(hi) * 0.1 || 1; lo -= Math.abs(lo) * 0.1 || 1; }
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

// Axes in a box; returns the scales. opts: xr, yr, xfmt, yfmt, xlabel, left.
function frame(c, opts) {
  const { ctx, w, h } = c;
  const box = { l: opts.left || 58, r: w - 10, t: opts.top || 22, b: h - 30 };
  const X = (x) => box.l + ((x - opts.xr[0]) / (opts.xr[1] - opts.xr[0])) * (box.r - box.l);
  const Y = (y) => box.b - ((y - opts.yr[0]) / (opts.yr[1] - opts.yr[0])) * (box.b - box.t);
  ctx.strokeStyle = "#e3e7ee";
  ctx.fillStyle = "#5b6473";
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  for (const t of niceTicks(opts.yr[0], opts.yr[1], 4)) {
    const y = Math.round(Y(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(box.l, y); ctx.lineTo(box.r, y); ctx.stroke();
    ctx.fillText(opts.yfmt(t), box.l - 4, y);
  }
  ctx.textAlign = "center";
  if (opts.xticks !== false) {
    const xt = opts.xticks || niceTicks(opts.xr[0], opts.xr[1], 6);
    for (const t of xt) ctx.fillText(opts.xfmt ? opts.xfmt(t) : String(t), X(t), box.b + 10);
  }
  if (opts.xlabel) ctx.fillText(opts.xlabel, (box.l + box.r) / 2, h - 7);
  ctx.strokeStyle = "#9aa3b0";
  ctx.beginPath(); ctx.moveTo(box.l, box.t); ctx.lineTo(box.l, box.b); ctx.lineTo(box.r, box.b); ctx.stroke();
  return { X, Y, box };
}

function polyline(ctx, pts, colour, width, dash) {
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.setLineDash(dash || []);
  ctx.beginPath();
  let started = false;
  for (const [x, y] of pts) {
    if (!Number.isFinite(y)) { started = false; continue; }
    if (started) ctx.lineTo(x, y); else { ctx.moveTo(x, y); started = true; }
  }
  ctx.stroke();
  ctx.setLineDash([]);
}

function area(ctx, xs, lo, hi, colour, alpha) {
  ctx.globalAlpha = alpha;
  ctx.fillStyle = colour;
  ctx.beginPath();
  xs.forEach((x, i) => (i ? ctx.lineTo(x, hi[i]) : ctx.moveTo(x, hi[i])));
  for (let i = xs.length - 1; i >= 0; i--) ctx.lineTo(xs[i], lo[i]);
  ctx.closePath();
  ctx.fill();
  ctx.globalAlpha = 1;
}

function legend(ctx, items, x, y) {
  ctx.textAlign = "left";
  for (const [label, colour] of items) {
    if (x + 14 + ctx.measureText(label).width > ctx.canvas.clientWidth) break;
    ctx.fillStyle = colour;
    ctx.fillRect(x, y - 4, 10, 8);
    ctx.fillStyle = "#1d2430";
    ctx.fillText(label, x + 14, y);
    x += 20 + ctx.measureText(label).width;
  }
}

// A short fingerprint of what a chart shows (the browser test compares them).
function sign(canvas, values) {
  canvas.dataset.sig = values.map((v) => (Number.isFinite(v) ? v.toPrecision(6) : "-")).join(",");
}

// ---------- the controls ----------

function buildControls() {
  for (const c of state.catalog.controls) {
    const box = document.createElement("div");
    box.className = "control";
    const id = "c-" + c.key.replace(/\./g, "-");
    box.innerHTML = `<div class="head"><label for="${id}"></label><span class="value" id="${id}-value"></span></div>
      <input type="range" id="${id}" min="${c.min}" max="${c.max}" step="${c.step}">
      <span class="unit"></span><span class="help"></span>`;
    box.querySelector("label").textContent = c.label;
    box.querySelector(".unit").textContent = c.unit;
    box.querySelector(".help").textContent = c.help;
    const input = box.querySelector("input");
    input.dataset.key = c.key;
    input.addEventListener("input", () => {
      state.edits[c.key] = Number(input.value);
      showValue(c);
      state.changedAt = performance.now();
      request();
    });
    $(c.role === "lever" ? "levers" : "mechanisms").appendChild(box);
  }
}

function controlInput(c) { return $("c-" + c.key.replace(/\./g, "-")); }

function showValue(c) {
  const input = controlInput(c);
  const out = $(input.id + "-value");
  const v = Number(input.value);
  out.textContent = fmtControl(v, c);
  out.classList.toggle("changed", c.key in state.edits);
  const note = state.values[c.key] && state.values[c.key].note;
  input.title = note || "";
  box(input).querySelector(".unit").textContent = note ? `${c.unit}; ${note}` : c.unit;
}

const box = (input) => input.closest(".control");

function applyValues(values) {
  state.values = values;
  for (const c of state.catalog.controls) {
    const input = controlInput(c);
    const v = values[c.key];
    box(input).hidden = !v;
    if (!v) continue;
    input.min = Math.min(c.min, v.value);
    input.max = Math.max(c.max, v.value);
    input.value = c.key in state.edits ? state.edits[c.key] : v.value;
    showValue(c);
  }
}

// ---------- running ----------

function body() {
  return JSON.stringify(Object.assign({}, state.source, { edits: state.edits }, state.target ? { target: state.target } : {}));
}

function setStatus(text, error) {
  $("status").textContent = text;
  $("status").classList.toggle("error", !!error);
}

async function request() {
  if (state.inflight) state.inflight.abort();
  const ctl = new AbortController();
  state.inflight = ctl;
  setStatus("running…");
  let reply;
  try {
    const r = await fetch("/api/run", { method: "POST", body: body(), signal: ctl.signal, headers: { "Content-Type": "application/json" } });
    reply = await r.json();
  } catch (e) {
    if (e.name !== "AbortError") setStatus(`the studio did not answer: ${e.message}`, true);
    return;
  }
  if (state.inflight === ctl) state.inflight = null;
  if (reply.superseded) return;
  if (reply.error) { setStatus(reply.error, true); return; }
  state.reply = reply;
  applyValues(reply.values);
  render(reply);
  state.runs += 1;
  document.body.dataset.runs = String(state.runs);
  const [customers, months, reps] = reply.size;
  const ran = reply.elapsed_ms < 5 ? "taken from recent runs" : `simulated in ${grouped(reply.elapsed_ms / 1000, 2)} s`;
  let text = `${reply.arms.length} scenarios × ${reps} runs × ${grouped(customers)} customers × ${months} months, ${ran}`;
  if (state.changedAt !== null) {
    const ms = performance.now() - state.changedAt;
    document.body.dataset.latencyMs = String(Math.round(ms));
    text += `; charts updated ${grouped(ms / 1000, 2)} s after the change`;
    state.changedAt = null;
  }
  setStatus(text);
  state.playStale = true;
  if (!$("play").hidden) loadPlay();
}

// ---------- the results ----------

function render(reply) {
  fillTargets(reply);
  renderLesson(reply);
  renderChain(reply);
  drawBand(reply);
  drawDifference(reply);
  drawChurn(reply);
  drawChurners(reply);
  drawResponse(reply);
  drawPaths(reply);
}

function renderLesson(reply) {
  const l = reply.lesson;
  $("lesson").hidden = !l;
  for (const card of document.querySelectorAll("[data-chart]")) {
    const i = l ? l.charts.indexOf(card.dataset.chart) : -1;
    card.classList.toggle("lesson-chart", i >= 0);
    card.style.order = i >= 0 ? String(i - 10) : "0";
  }
  $("chain").classList.toggle("lesson-chart", !!l && l.charts.includes("chain"));
  if (!l) return;
  $("lesson-title").textContent = l.title;
  $("lesson-story").textContent = l.story;
  $("lesson-question").textContent = l.question;
  $("lesson-source").textContent = "Source: " + l.source;
  const ul = $("lesson-cautions");
  ul.replaceChildren(...l.cautions.map((c) => {
    const li = document.createElement("li");
    li.textContent = "Caution: " + c + ". More runs, or discuss why.";
    return li;
  }));
}

function renderChain(reply) {
  const holder = $("chain-links");
  holder.replaceChildren();
  const ref = reply.arms[0];
  reply.versus.forEach((v, i) => {
    const alt = reply.arms[v.arm];
    const row = document.createElement("div");
    row.className = "chain";
    if (reply.versus.length > 1) {
      const name = document.createElement("div");
      name.className = "link";
      name.innerHTML = `<div class="name">scenario</div><div class="delta"></div>`;
      name.querySelector(".delta").textContent = alt.label;
      name.querySelector(".delta").style.color = alt.colour;
      row.appendChild(name);
    }
    v.chain.forEach((link, k) => {
      if (k > 0 || reply.versus.length > 1) {
        const arrow = document.createElement("div");
        arrow.className = "arrow";
        arrow.textContent = "→";
        row.appendChild(arrow);
      }
      const el = document.createElement("div");
      el.className = "link";
      const up = link.delta > 0, down = link.delta < 0;
      el.innerHTML = `<div class="name"></div><div class="delta"></div><div class="now"></div><div class="ci"></div>`;
      el.querySelector(".name").textContent = link.label;
      const d = el.querySelector(".delta");
      d.textContent = fmtDelta(link.delta, link.unit);
      d.classList.toggle("up", up);
      d.classList.toggle("down", down);
      if (link.metric === "npv" && i === 0) d.id = "npv-delta";
      el.querySelector(".now").textContent = `${fmt(link.reference, link.unit)} → ${fmt(link.value, link.unit)}`;
      const ci = link.ci95;
      el.querySelector(".ci").textContent = Number.isFinite(ci[0]) && ci[0] !== ci[1]
        ? `95%: ${fmtDelta(ci[0], link.unit)} to ${fmtDelta(ci[1], link.unit)}`
        : "no difference";
      row.appendChild(el);
    });
    holder.appendChild(row);
    if (i + 1 < reply.versus.length) holder.appendChild(document.createElement("br"));
  });
  const v = reply.versus[0];
  const npv = v.chain[v.chain.length - 1];
  $("chain-title").textContent = reply.versus.length > 1
    ? `The chain: each scenario against ${ref.label}, in the same runs`
    : ref.name === "shipped"
      ? "The chain: your changes against the scenario as shipped, in the same runs"
      : `The chain: ${reply.arms[v.arm].label} against ${ref.label}, in the same runs`;
  $("chain-note").textContent = npv.delta === 0 && reply.versus.length === 1
    ? "Move a slider: every link shows its change against the reference, with the 95% interval of the mean paired difference."
    : `Better NPV in ${Math.round(100 * v.p_better)}% of the runs. A long change early in the chain with short ones later means the chain breaks in between (inside the zone of tolerance, for example).`;
}

const SERIES = {
  active_customers: { title: "Customers", unit: "count" },
  satisfaction: { title: "Satisfaction (1-5)", unit: "plain" },
  cumulative_profit: { title: "Cumulative profit", unit: "eur" },
};

function axisFmt(unit) {
  if (unit === "eur") return (v) => (Math.abs(v) >= 1e6 ? `${grouped(v / 1e6, 1)}M` : Math.abs(v) >= 1e3 ? `${grouped(v / 1e3, 0)}k` : grouped(v, 0));
  if (unit === "share") return (v) => `${grouped(100 * v, 0)}%`;
  if (unit === "count") return (v) => grouped(v, 0);
  return (v) => grouped(v, 2);
}

function drawBand(reply) {
  const key = $("band-series").value;
  const s = SERIES[key];
  const ref = reply.arms[0];
  const alt = reply.arms[reply.versus[0].arm];
  const b = alt.bands[key];
  const n = b.quantiles.length;
  const c = canvasOf("band-canvas");
  const all = b.quantiles.flatMap((q) => [q[0], q[4]]).concat(b.single, ref.bands[key].quantiles.map((q) => q[2]));
  const f = frame(c, { xr: [1, n], yr: span(all), yfmt: axisFmt(s.unit), xlabel: "month" });
  const xs = b.quantiles.map((_, t) => f.X(t + 1));
  area(c.ctx, xs, b.quantiles.map((q) => f.Y(q[0])), b.quantiles.map((q) => f.Y(q[4])), alt.colour, 0.15);
  area(c.ctx, xs, b.quantiles.map((q) => f.Y(q[1])), b.quantiles.map((q) => f.Y(q[3])), alt.colour, 0.3);
  polyline(c.ctx, ref.bands[key].quantiles.map((q, t) => [xs[t], f.Y(q[2])]), "#7f7f7f", 1.5, [5, 4]);
  polyline(c.ctx, b.quantiles.map((q, t) => [xs[t], f.Y(q[2])]), alt.colour, 1.5);
  polyline(c.ctx, b.single.map((v, t) => [xs[t], f.Y(v)]), "#1d2430", 2.5);
  legend(c.ctx, [[alt.label, alt.colour], ["one run", "#1d2430"], [`${ref.label}`, "#7f7f7f"]], f.box.l, 9);
  const end = b.quantiles[n - 1];
  $("band-title").textContent = `${s.title}, month ${n}: ${fmt(end[2], s.unit)} (90% of runs ${fmt(end[0], s.unit)} to ${fmt(end[4], s.unit)})`;
  sign(c.canvas, [end[0], end[2], end[4], b.single[n - 1]]);
}

function drawDifference(reply) {
  const v = reply.versus[0];
  const alt = reply.arms[v.arm];
  const d = v.difference;
  const n = d.length;
  const c = canvasOf("difference-canvas");
  const f = frame(c, { xr: [1, n], yr: span(d.flatMap((q) => [q[0], q[4]]), 0.05, true), yfmt: axisFmt("eur"), xlabel: "month" });
  const xs = d.map((_, t) => f.X(t + 1));
  area(c.ctx, xs, d.map((q) => f.Y(q[0])), d.map((q) => f.Y(q[4])), alt.colour, 0.18);
  area(c.ctx, xs, d.map((q) => f.Y(q[1])), d.map((q) => f.Y(q[3])), alt.colour, 0.3);
  polyline(c.ctx, [[f.box.l, f.Y(0)], [f.box.r, f.Y(0)]], "#1d2430", 1);
  polyline(c.ctx, d.map((q, t) => [xs[t], f.Y(q[2])]), alt.colour, 2);
  const end = d[n - 1][2];
  const pay = v.payback_month === null ? `no payback within ${n} months` : v.payback_month === 1 ? "ahead from the first month" : `pays back in month ${v.payback_month}`;
  $("difference-title").textContent = end === 0 && d.every((q) => q[0] === 0 && q[4] === 0)
    ? "Cumulative profit against the reference: no change yet"
    : `Cumulative profit against ${reply.arms[0].name === "shipped" ? "the scenario as shipped" : reply.arms[0].label}: ${money(end, true)} after ${n} months; ${pay}`;
  sign(c.canvas, d.map((q) => q[2]));
}

function drawChurn(reply) {
  const arms = reply.arms;
  const c = canvasOf("churn-canvas");
  const rates = arms.map((a) => a.churn_by_score);
  // The axis follows the rates that rest on enough leavers.
  const solid = rates.flatMap((r) => r.filter((x) => x.interval[0] !== null).map((x) => x.rate));
  const top = Math.min(1, Math.max(0.05, ...solid) * 1.25);
  const f = frame(c, { xr: [0.5, 5.5], yr: [0, top], yfmt: axisFmt("share"), xticks: false, left: 44 });
  const { ctx } = c;
  const bw = 0.8 / arms.length;
  ctx.textAlign = "center";
  for (let k = 0; k < 5; k++) {
    const x0 = k + 1 - 0.4;
    ctx.fillStyle = "#5b6473";
    ctx.fillText(`said ${k + 1}`, f.X(k + 1), f.box.b + 9);
    arms.forEach((a, i) => {
      const r = a.churn_by_score[k];
      const xa = f.X(x0 + i * bw + 0.04), xb = f.X(x0 + (i + 1) * bw - 0.04);
      const colour = i === 0 && arms.length > 1 ? "#9aa3b0" : a.colour;
      if (!Number.isFinite(r.rate)) return;
      const few = r.interval[0] === null;
      const yr = f.Y(Math.min(r.rate, top));
      if (few) {
        // Too few leavers for the rate to mean much: an outline, no interval.
        ctx.strokeStyle = colour;
        ctx.setLineDash([3, 3]);
        ctx.strokeRect(xa + 0.5, yr, xb - xa - 1, f.Y(0) - yr);
        ctx.setLineDash([]);
      } else {
        ctx.fillStyle = colour;
        ctx.fillRect(xa, yr, xb - xa, f.Y(0) - yr);
        const [lo, hi] = r.interval;
        const xm = (xa + xb) / 2;
        polyline(ctx, [[xm, f.Y(lo)], [xm, f.Y(Math.min(hi, top))]], "#1d2430", 1.2);
        polyline(ctx, [[xm - 3, f.Y(lo)], [xm + 3, f.Y(lo)]], "#1d2430", 1.2);
        if (hi <= top) polyline(ctx, [[xm - 3, f.Y(hi)], [xm + 3, f.Y(hi)]], "#1d2430", 1.2);
      }
      if (i === arms.length - 1) {
        ctx.fillStyle = few ? "#5b6473" : "#1d2430";
        const label = few ? `${r.churners} left` : `${grouped(100 * r.rate, 0)}%`;
        ctx.fillText(label, f.X(k + 1), Math.max(yr - 8, f.box.t - 6));
      }
    });
    const years = arms[arms.length - 1].churn_by_score[k].customer_years;
    ctx.fillStyle = "#5b6473";
    ctx.fillText(`n ${years >= 1e4 ? grouped(years / 1e3, 0) + "k" : grouped(years, 0)}`, f.X(k + 1), f.box.b + 21);
  }
  const alt = arms[arms.length - 1].churn_by_score;
  const ratio = alt[3].rate / alt[4].rate;
  $("churn-title").textContent = Number.isFinite(ratio)
    ? `Customers who said 4 leave ${grouped(ratio, 1)}× as often as those who said 5`
    : "Annual churn by the score customers last gave";
  sign(c.canvas, rates.flat().map((r) => r.rate));
}

const SCORE_COLOURS = ["#c0392b", "#e67e22", "#bdbdbd", "#6baed6", "#2c8c2c"];

function drawChurners(reply) {
  const arms = reply.arms;
  const c = canvasOf("churners-canvas");
  const { ctx, w } = c;
  const left = Math.min(170, w * 0.38), right = w - 46;
  const rowH = Math.min(34, (c.h - 40) / arms.length);
  arms.forEach((a, i) => {
    const y = 10 + i * (rowH + 6);
    let x = left;
    ctx.textAlign = "right";
    ctx.fillStyle = "#1d2430";
    let label = a.label;
    while (label.length > 4 && ctx.measureText(label).width > left - 8) label = label.slice(0, -2) + "…";
    ctx.fillText(label, left - 6, y + rowH / 2);
    a.churners.forEach((share, k) => {
      const wk = (Number.isFinite(share) ? share : 0) * (right - left);
      ctx.fillStyle = SCORE_COLOURS[k];
      ctx.fillRect(x, y, wk, rowH);
      if (wk > 24) {
        ctx.fillStyle = k === 2 ? "#1d2430" : "#ffffff";
        ctx.textAlign = "center";
        ctx.fillText(`${grouped(100 * share, 0)}`, x + wk / 2, y + rowH / 2);
      }
      x += wk;
    });
    ctx.textAlign = "left";
    ctx.fillStyle = "#1d2430";
    ctx.fillText(fmt(a.metrics.satisfied_churner_share, "share"), right + 4, y + rowH / 2);
  });
  legend(ctx, [1, 2, 3, 4, 5].map((k) => [`said ${k}`, SCORE_COLOURS[k - 1]]), left, c.h - 10);
  const alt = arms[arms.length - 1];
  $("churners-title").textContent = `${fmt(alt.metrics.satisfied_churner_share, "share")} of leavers had said they were satisfied (4 or 5)`;
  sign(c.canvas, arms.flatMap((a) => a.churners));
}

function drawResponse(reply) {
  const arms = reply.arms;
  const alt = arms[reply.versus[0].arm];
  const c = canvasOf("response-canvas");
  const pts = alt.response.points;
  const ys = pts.map((p) => p[1]).concat(...arms.map((a) => a.response.bins.map((b) => b[1])));
  const f = frame(c, { xr: [-1.5, 2], yr: span(ys), yfmt: (v) => grouped(v, 1), xlabel: "position in the zone (0 adequate, 1 desired)", left: 40 });
  const { ctx } = c;
  ctx.fillStyle = "rgba(120,120,120,0.12)";
  ctx.fillRect(f.X(0), f.box.t, f.X(1) - f.X(0), f.box.b - f.box.t);
  ctx.fillStyle = alt.colour;
  ctx.globalAlpha = 0.25;
  for (const [x, y] of pts) if (x >= -1.5 && x <= 2) ctx.fillRect(f.X(x) - 1, f.Y(y) - 1, 2, 2);
  ctx.globalAlpha = 1;
  arms.forEach((a, i) => {
    const colour = i === 0 && arms.length > 1 ? "#7f7f7f" : a.colour;
    polyline(ctx, a.response.bins.filter((b) => b[0] >= -1.5 && b[0] <= 2).map((b) => [f.X(b[0]), f.Y(b[1])]), colour, 2, i === 0 && arms.length > 1 ? [5, 4] : []);
  });
  const r = alt.response;
  $("response-title").textContent = Number.isFinite(r.slope_inside) && Number.isFinite(r.slope_below)
    ? `Inside the zone quality barely moves satisfaction: slope ${grouped(r.slope_inside, 2)}, below it ${grouped(r.slope_below, 2)}`
    : "How satisfaction responds to delivered quality";
  sign(c.canvas, arms.flatMap((a) => a.response.bins.map((b) => b[1])));
}

const PATHS = ["silent", "unresolved", "resolved", "fast"];

function drawPaths(reply) {
  const arms = reply.arms;
  const c = canvasOf("paths-canvas");
  const all = arms.flatMap((a) => a.paths);
  const lo = Math.max(0, Math.min(...all.filter(Number.isFinite)) - 0.1);
  const f = frame(c, { xr: [0.5, 4.5], yr: [lo, 1], yfmt: axisFmt("share"), xticks: false, left: 44 });
  const { ctx } = c;
  const bw = 0.8 / arms.length;
  ctx.textAlign = "center";
  PATHS.forEach((name, k) => {
    ctx.fillStyle = "#5b6473";
    ctx.fillText(name, f.X(k + 1), f.box.b + 10);
    arms.forEach((a, i) => {
      const v = a.paths[k];
      if (!Number.isFinite(v)) return;
      const x0 = k + 1 - 0.4;
      const xa = f.X(x0 + i * bw + 0.03), xb = f.X(x0 + (i + 1) * bw - 0.03);
      ctx.fillStyle = i === 0 && arms.length > 1 ? "#9aa3b0" : a.colour;
      ctx.fillRect(xa, f.Y(v), xb - xa, f.Y(lo) - f.Y(v));
      ctx.fillStyle = "#1d2430";
      if (xb - xa > 18) ctx.fillText(`${grouped(100 * v, 0)}`, (xa + xb) / 2, f.Y(v) - 7);
    });
  });
  legend(ctx, arms.map((a, i) => [a.label, i === 0 && arms.length > 1 ? "#9aa3b0" : a.colour]), f.box.l, 9);
  const alt = arms[arms.length - 1].paths;
  $("paths-title").textContent = Number.isFinite(alt[0]) && Number.isFinite(alt[3])
    ? `A year after a failure: ${grouped(100 * alt[0], 0)}% of silent customers stay, ${grouped(100 * alt[3], 0)}% of those resolved fast`
    : "Retention after a service failure, by what followed";
  sign(c.canvas, all);
}

// ---------- play a run ----------

async function loadPlay() {
  if (!state.playStale) return;
  if (state.playInflight) state.playInflight.abort();
  const ctl = new AbortController();
  state.playInflight = ctl;
  $("play-note").textContent = "loading the run…";
  let play;
  try {
    const r = await fetch("/api/play", { method: "POST", body: body(), signal: ctl.signal, headers: { "Content-Type": "application/json" } });
    play = await r.json();
  } catch (e) {
    if (e.name !== "AbortError") $("play-note").textContent = `the studio did not answer: ${e.message}`;
    return;
  }
  if (play.superseded) return;
  if (play.error) { $("play-note").textContent = play.error; return; }
  state.playStale = false;
  state.play = play;
  state.slots = assignSlots(play);
  $("play-month").max = String(play.frames.length);
  state.frame = Math.min(state.frame, play.frames.length - 1);
  $("play-note").textContent = `${play.scenario}, one run (the one highlighted in the results). One dot = ${play.per_dot} customers. Colour: satisfaction 1 (red) to 5 (green), or loyalty 0 (grey) to 1 (blue); leavers drift out in red.`;
  drawFrame(0);
}

// A slot on the grid for every dot: a leaver's slot goes to a later newcomer.
function assignSlots(play) {
  const slot = new Map();
  const free = [];
  let next = 0;
  for (const f of play.frames) {
    for (const d of f.dots) {
      if (!slot.has(d[0])) slot.set(d[0], free.length ? free.shift() : next++);
    }
    for (const id of f.left) if (slot.has(id)) free.push(slot.get(id));
    free.sort((a, b) => a - b);
  }
  return { slot, count: Math.max(next, 1) };
}

function satColour(s) {
  // 1 red, 3 amber, 5 green
  const t = Math.max(0, Math.min(1, (s - 1) / 4));
  const stops = [[192, 57, 43], [230, 160, 40], [44, 140, 44]];
  const [a, b, u] = t < 0.5 ? [stops[0], stops[1], t * 2] : [stops[1], stops[2], (t - 0.5) * 2];
  return `rgb(${a.map((x, i) => Math.round(x + (b[i] - x) * u)).join(",")})`;
}

function loyColour(l) {
  const t = Math.max(0, Math.min(1, l));
  const a = [200, 200, 200], b = [31, 90, 180];
  return `rgb(${a.map((x, i) => Math.round(x + (b[i] - x) * t)).join(",")})`;
}

function drawFrame(progress) {
  const play = state.play;
  if (!play) return;
  const f = play.frames[state.frame];
  const c = canvasOf("dots");
  const { ctx, w, h } = c;
  const n = state.slots.count;
  const cols = Math.max(1, Math.ceil(Math.sqrt((n * w) / h)));
  const rows = Math.ceil(n / cols);
  const cell = Math.min((w - 20) / cols, (h - 20) / rows);
  const r = Math.max(1.5, cell * 0.38);
  const ox = (w - cols * cell) / 2, oy = (h - rows * cell) / 2;
  const at = (s) => [ox + (s % cols + 0.5) * cell, oy + (Math.floor(s / cols) + 0.5) * cell];
  const byLoyalty = $("play-colour").value === "loy";
  for (const d of f.dots) {
    const [x, y] = at(state.slots.slot.get(d[0]));
    ctx.fillStyle = byLoyalty ? loyColour(d[2] / 100) : satColour(d[1] / 10);
    ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill();
  }
  ctx.strokeStyle = "#c0392b";
  ctx.lineWidth = 1.5;
  ctx.globalAlpha = 1 - 0.8 * progress;
  for (const id of f.left) {
    const [x0, y] = at(state.slots.slot.get(id));
    const x = x0 + progress * (w - x0);
    ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.stroke();
  }
  ctx.globalAlpha = 1;
  $("play-month").value = String(state.frame + 1);
  $("play-month-text").textContent = `${state.frame + 1} of ${play.frames.length}`;
  const fig = f.figures;
  const rows2 = [
    ["month", `${state.frame + 1}`],
    ["customers", grouped(fig[0])],
    ["left this month", grouped(fig[1])],
    ["joined", grouped(fig[2])],
    ["satisfaction", grouped(fig[3], 2)],
    ["delivered quality", grouped(fig[4], 2)],
    ["wait (minutes)", grouped(fig[5], 1)],
    ["complaints", grouped(fig[6])],
    ["staff", grouped(fig[7])],
    ["staff who quit", grouped(fig[8])],
    ["profit", money(fig[9], false)],
  ];
  $("monitors").replaceChildren(...rows2.flatMap(([k, v]) => {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    return [dt, dd];
  }));
}

function interval() { return 1000 / Number($("play-speed").value); }

function tick(now) {
  if (!state.playing || !state.play) return;
  let p = (now - state.frameStart) / interval();
  if (p >= 1) {
    if (state.frame + 1 >= state.play.frames.length) { setPlaying(false); drawFrame(0); return; }
    state.frame += 1;
    state.frameStart = now;
    p = 0;
  }
  drawFrame(p);
  requestAnimationFrame(tick);
}

function setPlaying(on) {
  state.playing = on;
  $("play-toggle").textContent = on ? "Pause" : "Play";
  if (on) {
    if (state.play && state.frame + 1 >= state.play.frames.length) state.frame = 0;
    state.frameStart = performance.now();
    requestAnimationFrame(tick);
  }
}

function showTab(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  $("results").hidden = name !== "results";
  $("play").hidden = name !== "play";
  if (name === "play") { loadPlay(); drawFrame(0); } else { setPlaying(false); if (state.reply) render(state.reply); }
}

// ---------- start ----------

function pickSource() {
  const [kind, name] = $("source").value.split(":");
  state.source = kind === "lesson" ? { lesson: name } : { scenario: name };
  state.edits = {};
  state.target = null;
  const tbox = $("target-box");
  tbox.hidden = true;
  if (kind === "lesson") {
    tbox.hidden = false;
    $("target").replaceChildren(new Option("the alternatives", ""));
  }
  state.playStale = true;
  state.frame = 0;
  request();
}

function fillTargets(reply) {
  if (!reply.lesson) return;
  const select = $("target");
  if (select.options.length > 1) return;
  const names = reply.arms.map((a) => a.name).filter((n) => n !== "shipped");
  for (const n of names) select.appendChild(new Option(n, n));
}

async function start() {
  try {
    const r = await fetch("/api/catalog");
    state.catalog = await r.json();
  } catch (e) {
    setStatus(`cannot reach the studio: ${e.message}`, true);
    return;
  }
  const select = $("source");
  const groups = [["Scenarios", state.catalog.scenarios.map((s) => [`scenario:${s.name}`, s.name, s.description])],
    ["Lessons", state.catalog.lessons.map((l) => [`lesson:${l.name}`, l.title, l.summary])]];
  for (const [label, items] of groups) {
    const g = document.createElement("optgroup");
    g.label = label;
    for (const [value, text, title] of items) {
      const o = new Option(text, value);
      o.title = title;
      g.appendChild(o);
    }
    select.appendChild(g);
  }
  if (window.matchMedia("(max-width: 760px)").matches) $("controls-box").open = false;
  select.value = "scenario:baseline";
  if (!select.value) select.selectedIndex = 0;
  buildControls();
  select.addEventListener("change", pickSource);
  $("target").addEventListener("change", () => {
    state.target = $("target").value || null;
    state.edits = {};
    request();
  });
  $("reset").addEventListener("click", () => { state.edits = {}; state.changedAt = performance.now(); request(); });
  $("band-series").addEventListener("change", () => state.reply && drawBand(state.reply));
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("play-toggle").addEventListener("click", () => setPlaying(!state.playing));
  $("play-step").addEventListener("click", () => {
    setPlaying(false);
    if (state.play && state.frame + 1 < state.play.frames.length) state.frame += 1;
    drawFrame(0);
  });
  $("play-speed").addEventListener("input", () => { $("play-speed-text").textContent = $("play-speed").value; });
  $("play-month").addEventListener("input", () => { state.frame = Number($("play-month").value) - 1; drawFrame(0); });
  $("play-colour").addEventListener("change", () => drawFrame(0));
  window.addEventListener("resize", () => { if (state.reply && !$("results").hidden) render(state.reply); else drawFrame(0); });
  pickSource();
}

start();
