// Error-surface tab: a contour map of a lab problem and the optimizers' paths from
// GET /api/paths (deepgrad.lab.run on the server). Every change recomputes the paths.
"use strict";
(() => {
  const { $, api, message } = App;
  const NAMES = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"];
  const COLORS = { sgd: "#0072B2", momentum: "#E69F00", nesterov: "#009E73", adagrad: "#CC79A7", rmsprop: "#D55E00", adam: "#000000" };
  const DASH = { sgd: [], momentum: [8, 4], nesterov: [2, 3], adagrad: [10, 3, 2, 3], rmsprop: [4, 4], adam: [] };
  let meta, problem, grid = null, background = null, result = null, step = 0, anim = null, pending = null, start = null;
  const values = {};   // name -> {on, lr, hyper...}
  const canvas = $("s-map"), ctx = canvas.getContext("2d");

  function prob() { return meta.problems.find(p => p.name === problem); }

  function sliderRow(label, min, max, stepv, value, log, onInput) {
    const row = document.createElement("label"); row.className = "slider";
    const input = document.createElement("input");
    Object.assign(input, { type: "range", min, max, step: stepv });
    const out = document.createElement("output");
    const show = v => { out.textContent = Draw.fmt(v, 3); input.setAttribute("aria-valuetext", Draw.fmt(v, 3)); };
    input.value = log ? Math.log10(value) : value; show(value);
    input.addEventListener("input", () => { const v = log ? Math.pow(10, +input.value) : +input.value; show(v); onInput(v); });
    row.append(label, input, out);
    row.set = v => { input.value = log ? Math.log10(v) : v; show(v); };
    return row;
  }

  function buildOptimizers() {
    const box = $("s-optimizers"); box.textContent = "";
    const [lrLo, lrHi] = meta.lr_range;
    for (const name of NAMES) {
      const v = values[name], fs = document.createElement("fieldset"); fs.className = "opt";
      const lg = document.createElement("legend"), cb = document.createElement("input");
      cb.type = "checkbox"; cb.checked = v.on; cb.id = "s-on-" + name;
      cb.addEventListener("change", () => { v.on = cb.checked; changed(); });
      const sw = document.createElement("span"); sw.className = "swatch"; sw.style.background = COLORS[name];
      const lab = document.createElement("label"); lab.htmlFor = cb.id; lab.append(sw, name);
      lg.append(cb, lab); fs.append(lg);
      const lr = sliderRow("learning rate", Math.log10(lrLo), Math.log10(lrHi), 0.01, v.lr, true, x => { v.lr = +x.toPrecision(4); changed(); });
      lr.querySelector("input").id = "s-lr-" + name; fs.append(lr); v.rows = { lr };
      for (const [key, [lo, hi, , log]] of Object.entries(meta.optimizers[name].sliders)) {
        if (key === "nesterov") {
          const l = document.createElement("label"), c = document.createElement("input");
          c.type = "checkbox"; c.checked = !!v[key]; c.addEventListener("change", () => { v[key] = c.checked ? 1 : 0; changed(); });
          l.append(c, " nesterov"); fs.append(l); v.rows[key] = { set: x => { c.checked = !!x; } }; continue;
        }
        const row = sliderRow(key.replace("initial_accumulator_value", "initial accum."), log ? Math.log10(lo) : lo, log ? Math.log10(hi) : hi,
          log ? 0.1 : (hi - lo) / 200, v[key], log, x => { v[key] = +x.toPrecision(4); changed(); });
        fs.append(row); v.rows[key] = row;
      }
      box.append(fs);
    }
  }

  function defaults(p) {
    for (const name of NAMES) {
      const old = values[name] || {};
      values[name] = { on: old.on ?? ["sgd", "momentum", "adam"].includes(name), lr: p.rates[name] || 0.01 };
      for (const [key, [, , def]] of Object.entries(meta.optimizers[name].sliders)) values[name][key] = def;
    }
  }

  function state() {
    const q = new URLSearchParams({ problem, steps: $("s-steps").value });
    if ($("s-batch").value && prob().data) q.set("batch", $("s-batch").value);
    if (start) q.set("start", start.map(v => +v.toPrecision(4)).join(","));
    const on = NAMES.filter(n => values[n].on);
    q.set("optimizers", on.join(","));
    for (const n of on) for (const [k, v] of Object.entries(values[n])) if (k !== "on" && k !== "rows") q.set(n + "." + k, v);
    return q;
  }

  function apply(params) {   // URL pairs -> controls (checked by the server afterwards)
    problem = params.get("problem") || problem;
    if (!meta.problems.some(p => p.name === problem)) throw new Error(`problem must be one of ${meta.problems.map(p => p.name).join(", ")}, got ${JSON.stringify(problem)}`);
    defaults(prob());
    if (params.has("steps")) $("s-steps").value = params.get("steps");
    $("s-batch").value = params.get("batch") || "";
    start = params.has("start") ? params.get("start").split(",").map(Number) : null;
    if (params.has("optimizers")) for (const n of NAMES) values[n].on = params.get("optimizers").split(",").includes(n);
    for (const [k, v] of params) {
      const [n, key] = k.split(".");
      if (key && values[n]) values[n][key] = Number(v);
    }
  }

  async function init(m, params) {
    meta = m; problem = "rosenbrock";
    $("s-problem").append(...meta.problems.map(p => new Option(`${p.name}: ${p.title}`, p.name)));
    try { apply(params); await api("/api/paths?" + state()); }
    catch (e) {
      message(`The address has a setting the playground cannot use: ${e.message}. Showing the defaults instead.`, true);
      problem = "rosenbrock"; start = null; $("s-steps").value = 200; $("s-batch").value = ""; apply(new URLSearchParams());
    }
    $("s-problem").value = problem;
    buildOptimizers();
    $("s-problem").addEventListener("change", () => { problem = $("s-problem").value; start = null; grid = null; defaults(prob()); buildOptimizers(); changed(); });
    $("s-steps").addEventListener("change", changed);
    $("s-batch").addEventListener("change", changed);
    canvas.addEventListener("click", e => {
      const r = canvas.getBoundingClientRect();
      setStart(toWorld((e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height));
    });
    canvas.addEventListener("keydown", e => {
      const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[e.key];
      if (!d) return;
      e.preventDefault();
      const [[x0, x1], [y0, y1]] = prob().bounds, s = start || prob().start;
      setStart([s[0] + d[0] * (x1 - x0) / 50, s[1] + d[1] * (y1 - y0) / 50]);
    });
    $("s-step").addEventListener("input", () => { stopAnim(); step = +$("s-step").value; draw(); });
    $("s-play").addEventListener("click", animate);
  }

  function setStart(p) { start = p.map(v => +v.toPrecision(4)); changed(); }
  function toWorld(px, py) {
    const [[x0, x1], [y0, y1]] = prob().bounds;
    return [x0 + (x1 - x0) * px / canvas.width, y1 - (y1 - y0) * py / canvas.height];
  }
  function toPixel(x, y) {
    const [[x0, x1], [y0, y1]] = prob().bounds;
    return [(x - x0) / (x1 - x0) * canvas.width, (y1 - y) / (y1 - y0) * canvas.height];
  }

  function changed() {
    clearTimeout(pending);
    pending = setTimeout(compute, 40);
  }
  let controller = null;
  async function compute() {
    if (controller) controller.abort();
    controller = new AbortController();
    const signal = controller.signal;
    App.saveState();
    try {
      if (!grid || grid.problem !== problem) { grid = await api(`/api/surface?problem=${problem}&grid=140`, { signal }); background = null; }
      result = await api("/api/paths?" + state(), { signal });
      message("");
    } catch (e) { if (e.name !== "AbortError") message(e.message); return; }
    const n = Math.max(0, ...result.paths.map(p => p.points.length - 1));
    $("s-step").max = n;
    animate();
  }

  function stopAnim() { if (anim) cancelAnimationFrame(anim); anim = null; }
  function animate() {
    stopAnim();
    const n = +$("s-step").max, t0 = performance.now(), dur = Math.min(2500, 400 + 8 * n);
    const tick = now => {
      step = Math.min(n, Math.round(n * (now - t0) / dur));
      $("s-step").value = step; draw();
      anim = step < n ? requestAnimationFrame(tick) : null;
    };
    anim = requestAnimationFrame(tick);
  }

  function paintBackground() {
    const W = canvas.width, H = canvas.height, n = grid.n, z = grid.z, lv = grid.levels;
    const img = ctx.createImageData(W, H), band = new Int16Array(W * H);
    for (let py = 0; py < H; py++) for (let px = 0; px < W; px++) {
      const gx = px / (W - 1) * (n - 1), gy = py / (H - 1) * (n - 1);
      const i = Math.min(n - 2, Math.floor(gx)), j = Math.min(n - 2, Math.floor(gy)), fx = gx - i, fy = gy - j;
      const a = z[j][i], b = z[j][i + 1], c = z[j + 1][i], d = z[j + 1][i + 1];
      const v = (a === null || b === null || c === null || d === null) ? Infinity : (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
      let k = 0; while (k < lv.length && v > lv[k]) k++;
      band[py * W + px] = k;
    }
    for (let p = 0; p < W * H; p++) {
      const k = band[p], edge = (p % W < W - 1 && band[p + 1] !== k) || (p + W < W * H && band[p + W] !== k);
      const c = edge ? [90, 90, 90] : Draw.sequential(k / lv.length);
      img.data.set([c[0], c[1], c[2], 255], 4 * p);
    }
    background = img;
  }

  function marker(x, y, shape, color, size) {
    const [px, py] = toPixel(x, y);
    ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = 2.5;
    ctx.beginPath();
    if (shape === "start") { ctx.arc(px, py, size, 0, 2 * Math.PI); ctx.fillStyle = "#fff"; ctx.fill(); ctx.stroke(); }
    else if (shape === "min") { ctx.moveTo(px - size, py); ctx.lineTo(px + size, py); ctx.moveTo(px, py - size); ctx.lineTo(px, py + size); ctx.stroke(); }
    else if (shape === "x") { ctx.moveTo(px - size, py - size); ctx.lineTo(px + size, py + size); ctx.moveTo(px - size, py + size); ctx.lineTo(px + size, py - size); ctx.stroke(); }
    else { ctx.arc(px, py, size, 0, 2 * Math.PI); ctx.fill(); ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5; ctx.stroke(); }
  }

  function draw() {
    if (!grid || !result) return;
    if (!background) paintBackground();
    ctx.putImageData(background, 0, 0);
    for (const m of prob().minima) marker(m[0], m[1], "min", "#000", 8);
    const rows = [];
    for (const path of result.paths) {
      const upto = Math.min(step, path.points.length - 1), color = COLORS[path.name];
      for (const [w, c] of [[5, "rgba(255,255,255,.85)"], [2.5, color]]) {
        ctx.strokeStyle = c; ctx.lineWidth = w; ctx.setLineDash(w > 3 ? [] : DASH[path.name]);
        ctx.beginPath();
        path.points.slice(0, upto + 1).forEach(([x, y], i) => { const [px, py] = toPixel(x, y); i ? ctx.lineTo(px, py) : ctx.moveTo(px, py); });
        ctx.stroke();
      }
      ctx.setLineDash([]);
      if (upto >= 0 && path.points.length) {
        const [x, y] = path.points[upto];
        const dead = path.diverged_at !== null && upto >= path.points.length - 1 && step >= path.diverged_at - 1;
        marker(x, y, dead ? "x" : "dot", color, 6);
      }
      const div = path.diverged_at;
      rows.push([path.name, upto, path.losses[upto], path.grad_norms[upto],
        div !== null && step >= Math.min(div, path.points.length - 1) ? `diverged at step ${div}` : (upto < +$("s-step").max ? "" : "ok")]);
    }
    marker(result.start[0], result.start[1], "start", "#000", 6);
    $("s-step-out").textContent = step;
    $("s-start").textContent = `start (${Draw.fmt(result.start[0], 4)}, ${Draw.fmt(result.start[1], 4)}) on ${prob().title}`;
    const body = $("s-table").tBodies[0]; body.textContent = "";
    for (const r of rows) {
      const tr = body.insertRow();
      r.forEach((v, i) => { const td = tr.insertCell(); td.textContent = i === 0 ? v : (i === 1 ? v : i === 4 ? v : Draw.fmt(v, 4)); if (i === 4 && v.startsWith("diverged")) td.className = "bad"; });
      tr.cells[0].style.borderLeft = `6px solid ${COLORS[r[0]]}`;
    }
    $("s-legend").textContent = "○ start, + minimum, ● each optimizer's point at the chosen step, × where a path diverged (loss not finite, " +
      "a million times the start loss, or far outside the window).";
  }

  App.register("surface", { init, state, activate: () => { if (!result) compute(); else draw(); } });
})();
