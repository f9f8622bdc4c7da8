// Network tab: a small deepgrad Sequential trained by fit on the server, one epoch at a
// time, streamed here as server-sent events (GET /api/network/stream). This file only draws.
"use strict";
(() => {
  const { $, api, message } = App;
  const FEATURE_LABEL = { "x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1x2": "x₁x₂", "sin_x1": "sin x₁", "sin_x2": "sin x₂" };
  const DATASET_LABEL = { circle: "circle", xor: "XOR", gauss: "Gaussian", spiral: "spiral", plane: "plane (regression)", multigauss: "multi-Gaussian (regression)" };
  let meta, s = null, run = null, session = null, controller = null, playing = false, hover = null;
  const history = [[], []];
  window.deepgradPlayground = { history, get epoch() { return run ? run.epoch : 0; }, get session() { return session; } };

  const DEFAULTS = { dataset: "circle", classes: "2", noise: "0", train: "50", points: "500", data_seed: "1",
    features: "x1,x2", layers: "4,2", activation: "tanh", regularization: "none", reg_rate: "0.001",
    batch: "10", optimizer: "sgd", lr: "0.03", schedule: "constant", decay: "0.5", decay_epochs: "100",
    race: "none", race_lr: "", seed: "0", show_test: "0", epochs: "0" };

  function state() {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(s)) if (v !== "" && v !== DEFAULTS[k] || ["dataset", "optimizer", "lr", "layers"].includes(k)) q.set(k, v);
    return q;
  }

  // ---------------------------------------------------------------- controls
  function option(sel, values, labels) { sel.textContent = ""; for (const v of values) sel.append(new Option(labels ? labels[v] : v, v)); }
  function buildControls() {
    option($("n-optimizer"), Object.keys(meta.optimizers));
    option($("n-race"), ["none", ...Object.keys(meta.optimizers)]);
    option($("n-schedule"), meta.schedules);
    option($("n-activation"), meta.activations);
    const box = $("n-datasets");
    for (const d of meta.datasets) {
      const l = document.createElement("label"), r = document.createElement("input");
      Object.assign(r, { type: "radio", name: "n-dataset", value: d, id: "n-ds-" + d });
      r.addEventListener("change", () => { s.dataset = d; if (!["gauss", "spiral"].includes(d)) s.classes = "2"; reset(); });
      l.append(r, " " + DATASET_LABEL[d]); box.append(l);
    }
    const resetOn = { "n-classes": "classes", "n-train": "train", "n-noise": "noise", "n-points": "points", "n-batch": "batch",
      "n-seed": "seed", "n-activation": "activation", "n-regularization": "regularization", "n-reg-rate": "reg_rate",
      "n-race": "race", "n-race-lr": "race_lr" };
    for (const [id, key] of Object.entries(resetOn)) $(id).addEventListener("change", () => { s[key] = $(id).value; reset(); });
    for (const id of ["n-train", "n-noise", "n-batch"]) $(id).addEventListener("input", () => { $(id + "-out").textContent = $(id).value + (id === "n-train" ? "%" : ""); });
    $("n-regenerate").addEventListener("click", () => { s.data_seed = String(+s.data_seed + 1); reset(); });
    $("n-optimizer").addEventListener("change", () => { s.optimizer = $("n-optimizer").value; for (const k of hyperKeys()) delete s[k]; buildHyper(); optimizerChanged(); });
    $("n-lr").addEventListener("input", () => { s.lr = String(+Math.pow(10, +$("n-lr").value).toPrecision(3)); showLr(); });
    $("n-lr").addEventListener("change", optimizerChanged);
    for (const [id, key] of [["n-schedule", "schedule"], ["n-decay", "decay"], ["n-decay-epochs", "decay_epochs"]])
      $(id).addEventListener("change", () => { s[key] = $(id).value; optimizerChanged(); });
    $("n-show-test").addEventListener("change", () => { s.show_test = $("n-show-test").checked ? "1" : "0"; App.saveState(); drawHeat(); });
    $("n-add-layer").addEventListener("click", () => { const l = layers(); if (l.length < meta.limits.layers) { l.push(2); s.layers = l.join(","); reset(); } });
    $("n-remove-layer").addEventListener("click", () => { const l = layers(); if (l.length) { l.pop(); s.layers = l.join(","); reset(); } });
    $("n-play").addEventListener("click", () => control(playing ? "pause" : "play"));
    $("n-step").addEventListener("click", () => control("step"));
    $("n-reset").addEventListener("click", reset);
    $("n-export").addEventListener("click", exportRun);
    const chart = $("n-chart");
    chart.addEventListener("mousemove", e => { const r = chart.getBoundingClientRect(); hover = drawChart.pick((e.clientX - r.left) * chart.width / r.width); drawChart(); });
    chart.addEventListener("mouseleave", () => { hover = null; drawChart(); });
    chart.addEventListener("keydown", e => {
      const d = { ArrowLeft: -1, ArrowRight: 1 }[e.key]; if (!d) return;
      e.preventDefault(); hover = Math.max(1, Math.min(history[0].length, (hover || history[0].length) + d)); drawChart();
    });
  }
  function layers() { return s.layers ? s.layers.split(",").map(Number) : []; }
  function hyperKeys() { return Object.keys(meta.optimizers[s.optimizer].sliders); }
  function showLr() { $("n-lr-out").textContent = s.lr; $("n-lr").setAttribute("aria-valuetext", s.lr); }
  function buildHyper() {
    const box = $("n-hyper"); box.textContent = "";
    for (const [key, [lo, hi, def, log]] of Object.entries(meta.optimizers[s.optimizer].sliders)) {
      const l = document.createElement("label"), inp = document.createElement("input");
      if (key === "nesterov") { inp.type = "checkbox"; inp.checked = (s[key] ?? def) == 1; inp.addEventListener("change", () => { s[key] = inp.checked ? "1" : "0"; optimizerChanged(); }); l.append(inp, " nesterov"); }
      else {
        Object.assign(inp, { type: "number", min: lo, max: hi, step: log ? "any" : (hi - lo) / 100, value: s[key] ?? def, id: "n-h-" + key });
        inp.addEventListener("change", () => { s[key] = inp.value; optimizerChanged(); });
        l.append(key + " ", inp);
      }
      box.append(l);
    }
  }
  function syncControls() {
    $("n-ds-" + s.dataset).checked = true;
    for (const [id, key] of [["n-classes", "classes"], ["n-train", "train"], ["n-noise", "noise"], ["n-points", "points"], ["n-batch", "batch"],
      ["n-seed", "seed"], ["n-activation", "activation"], ["n-regularization", "regularization"], ["n-reg-rate", "reg_rate"],
      ["n-optimizer", "optimizer"], ["n-schedule", "schedule"], ["n-decay", "decay"], ["n-decay-epochs", "decay_epochs"], ["n-race", "race"], ["n-race-lr", "race_lr"]])
      $(id).value = s[key];
    $("n-batch").max = Math.max(30, +s.batch);
    for (const id of ["n-train", "n-noise", "n-batch"]) $(id + "-out").textContent = $(id).value + (id === "n-train" ? "%" : "");
    $("n-classes").disabled = !["gauss", "spiral"].includes(s.dataset);
    $("n-lr").value = Math.log10(+s.lr); showLr();
    $("n-show-test").checked = s.show_test === "1";
    $("n-layer-count").textContent = `${layers().length} hidden layer${layers().length === 1 ? "" : "s"}`;
    buildHyper();
  }

  // ---------------------------------------------------------------- the run
  async function control(action, extra) {
    if (!session) return;
    const q = new URLSearchParams({ session, action, ...(extra || {}) });
    try { await api("/api/network/control?" + q, { method: "POST" }); }
    catch (e) { message(e.message); return; }
    if (action === "play" || action === "pause") setPlaying(action === "play");
  }
  function setPlaying(on) {
    playing = on;
    $("n-play").textContent = on ? "❚❚ pause" : "▶ play";
    $("n-play").setAttribute("aria-label", on ? "Pause" : "Play");
  }
  function optimizerChanged() {
    App.saveState();
    const q = Object.fromEntries(["optimizer", "lr", "schedule", "decay", "decay_epochs", "race", "race_lr", ...hyperKeys()].filter(k => s[k] !== undefined && s[k] !== "").map(k => [k, s[k]]));
    control("optimizer", q);
  }

  function stop() {
    if (controller) controller.abort();
    if (session) fetch(`/api/network/control?session=${session}&action=stop`, { method: "POST" }).catch(() => {});
    controller = null; session = null; run = null; setPlaying(false);
  }

  async function reset() {
    stop();
    syncControls();
    App.saveState();
    history[0].length = 0; history[1].length = 0; hover = null;
    session = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
    controller = new AbortController();
    const mine = session, q = state(); q.set("session", session);
    let res;
    try {
      res = await fetch("/api/network/stream?" + q, { signal: controller.signal });
      if (!res.ok) { const b = await res.json(); throw new Error(b.error || res.statusText); }
    } catch (e) { if (e.name !== "AbortError") message(e.message); return; }
    message("");
    const reader = res.body.getReader(), dec = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) { handle(buf.slice(0, i)); buf = buf.slice(i + 2); }
      }
      if (session === mine) { message("The run ended: the connection to the server closed. Press reset to start again."); setPlaying(false); }
    } catch (e) { if (e.name !== "AbortError" && session === mine) message("The run ended: " + e.message); }
  }

  function handle(chunk) {
    let event = "message", data = "";
    for (const line of chunk.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (!data) return;
    const d = JSON.parse(data);
    if (event === "start") { run = { ...d, epoch: 0 }; layout(); drawChart(); readout(); }
    else if (event === "frame") { run.frame = d; drawNet(); drawHeat(); }
    else if (event === "epoch") {
      run.epoch = d.epoch;
      d.rows.forEach((r, i) => history[i].push(r));
      $("n-epoch").textContent = String(d.epoch).padStart(6, "0").replace(/(\d{3})(\d{3})$/, "$1,$2");
      readout(); drawChart();
    } else if (event === "changed") { run.racers = d.racers; readout(); }
    else if (event === "paused") setPlaying(false);
    else if (event === "notice") { setPlaying(false); message(d.message); }
    else if (event === "failure") { setPlaying(false); message(d.message); }
  }

  async function exportRun() {
    if (!session) return;
    try {
      const res = await api(`/api/network/export?session=${session}`);
      const url = URL.createObjectURL(await res.blob()), a = document.createElement("a");
      a.href = url; a.download = "playground_model.zip"; document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) { message(e.message); }
  }

  // ---------------------------------------------------------------- drawing
  function readout() {
    const dl = $("n-readout"); dl.textContent = "";
    const add = (label, v, id) => {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = label; dd.textContent = v === undefined ? "—" : (v === null ? "diverged" : v.toFixed(6)); if (id) dd.id = id;
      if (v !== undefined && v !== null) dd.dataset.value = String(v);
      dl.append(dt, dd);
    };
    (run ? run.racers : [s.optimizer]).forEach((name, i) => {
      const last = history[i][history[i].length - 1] || {}, tag = i ? "race-" : "";
      const line = document.createElement("div"); dl.append(line);
      add(`${name} test loss`, last.val_loss, `n-${tag}test-loss`);
      add("training loss", last.loss, `n-${tag}train-loss`);
      if (last.val_accuracy !== undefined) add("test accuracy", last.val_accuracy, `n-${tag}test-acc`);
      if (last.lr !== undefined) { const dt = document.createElement("dt"), dd = document.createElement("dd"); dt.textContent = "rate"; dd.textContent = Draw.fmt(last.lr, 3); dl.append(dt, dd); }
    });
  }

  function drawChart() {
    const colors = [Draw.OKABE[0], Draw.OKABE[4]], series = [];
    history.forEach((h, i) => { if (!h.length) return;
      series.push({ color: colors[i], values: h.map(r => r.loss) }, { color: colors[i], dash: [5, 4], values: h.map(r => r.val_loss) }); });
    drawChart.pick = Draw.chart($("n-chart"), series, hover);
    const names = run ? run.racers : [s.optimizer];
    $("n-chart-tip").textContent = hover && history[0][hover - 1] ?
      `epoch ${hover}: ` + names.map((n, i) => history[i][hover - 1] ? `${n} training ${Draw.fmt(history[i][hover - 1].loss)}, test ${Draw.fmt(history[i][hover - 1].val_loss)}` : "").filter(Boolean).join("; ")
      : `solid: training loss, dashed: test loss${names.length > 1 ? `; blue ${names[0]}, vermillion ${names[1]}` : ""}`;
  }
  drawChart.pick = () => null;

  function thumb(canvas, values, n) {
    const ctx = canvas.getContext("2d"), img = ctx.createImageData(n, n);
    const m = Math.max(1e-9, ...values.map(v => Math.abs(v ?? 0)));
    values.forEach((v, p) => img.data.set([...Draw.diverging(v === null ? null : v / m), 255], 4 * p));
    ctx.putImageData(img, 0, 0);
  }

  let nodes = [];   // per column: [{x, y}] centres; column 0: all features
  function layout() {
    const box = $("n-net"); box.textContent = "";
    const cols = [meta.features, ...run.layers.map(u => Array.from({ length: u }, (_, j) => j)), ["out"]];
    const W = Math.max(box.clientWidth, 120 * cols.length), S = 46, size = 36;
    const H = Math.max(...cols.map(c => c.length)) * S + 40;
    box.style.height = H + "px";
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("width", W); svg.setAttribute("height", H); box.append(svg);
    nodes = cols.map((c, ci) => c.map((_, j) => ({ x: 70 + ci * (W - 130) / (cols.length - 1), y: 40 + j * S })));
    meta.features.forEach((f, j) => {
      const on = run.features.includes(f), cv = document.createElement("canvas"), lab = document.createElement("span");
      Object.assign(cv, { width: run.thumb, height: run.thumb, tabIndex: 0, title: `${FEATURE_LABEL[f]}: ${on ? "used (click to remove)" : "not used (click to add)"}` });
      cv.setAttribute("role", "checkbox"); cv.setAttribute("aria-checked", on); cv.setAttribute("aria-label", `feature ${FEATURE_LABEL[f]}`);
      cv.className = on ? "" : "off";
      place(cv, nodes[0][j], size);
      const toggle = () => { const fs = s.features.split(","); const next = on ? fs.filter(x => x !== f) : [...fs, f];
        if (!next.length) { message("keep at least one feature"); return; } s.features = meta.features.filter(x => next.includes(x)).join(","); reset(); };
      cv.addEventListener("click", toggle);
      cv.addEventListener("keydown", e => { if (e.key === " " || e.key === "Enter") { e.preventDefault(); toggle(); } });
      lab.className = "feat"; lab.textContent = FEATURE_LABEL[f]; lab.style.left = (nodes[0][j].x - size / 2 - 46) + "px"; lab.style.top = (nodes[0][j].y - 8) + "px";
      box.append(cv, lab);
    });
    run.layers.forEach((u, li) => {
      const col = nodes[li + 1];
      col.forEach((p, j) => { const cv = document.createElement("canvas"); Object.assign(cv, { width: run.thumb, height: run.thumb, title: `layer ${li + 1}, unit ${j + 1}` }); place(cv, p, size); box.append(cv); });
      const ctl = document.createElement("div"); ctl.className = "unit-ctl"; ctl.style.left = (col[0].x - 24) + "px"; ctl.style.top = "0px";
      for (const [t, d] of [["+", 1], ["−", -1]]) {
        const b = document.createElement("button"); b.textContent = t; b.setAttribute("aria-label", `${d > 0 ? "add a unit to" : "remove a unit from"} layer ${li + 1}`);
        b.addEventListener("click", () => { const l = layers(); const v = l[li] + d; if (v < 1 || v > meta.limits.units[1]) return; l[li] = v; s.layers = l.join(","); reset(); });
        ctl.append(b);
      }
      box.append(ctl);
    });
    const dot = document.createElement("span"); dot.className = "out-node"; place(dot, nodes[nodes.length - 1][0], 14); box.append(dot);
    const outLab = document.createElement("span"); outLab.className = "feat"; outLab.textContent = "output";
    outLab.style.left = (nodes[nodes.length - 1][0].x - 18) + "px"; outLab.style.top = (nodes[nodes.length - 1][0].y + 22) + "px"; box.append(outLab);
    run.svg = svg;
  }
  function place(el, p, size) { el.style.left = (p.x - size / 2) + "px"; el.style.top = (p.y - size / 2) + "px"; el.style.width = el.style.height = size + "px"; }

  function drawNet() {
    if (!run || !run.frame) return;
    const f = run.frame, box = $("n-net"), canvases = box.querySelectorAll("canvas");
    meta.features.forEach((name, j) => thumb(canvases[j], f.inputs[j], run.thumb));
    let c = meta.features.length;
    f.units.forEach(layer => layer.forEach(values => thumb(canvases[c++], values, run.thumb)));
    const svg = run.svg; svg.textContent = "";
    const srcIdx = [run.features.map(name => meta.features.indexOf(name)), ...run.layers.map(u => Array.from({ length: u }, (_, j) => j))];
    f.weights.forEach((layer, li) => {
      const from = nodes[li], to = nodes[li + 1];
      layer.w.forEach((row, i) => row.forEach((w, j) => {
        const a = from[srcIdx[li][i]], b = to[Math.min(j, to.length - 1)], line = document.createElementNS("http://www.w3.org/2000/svg", "line");
        const mag = Math.abs(w ?? 0);
        Object.entries({ x1: a.x + 18, y1: a.y, x2: b.x - (li === f.weights.length - 1 ? 7 : 18), y2: b.y, stroke: (w ?? 0) >= 0 ? Draw.OKABE[0] : Draw.OKABE[1],
          "stroke-width": Math.min(8, 0.4 + 2 * mag), "stroke-opacity": Math.min(1, 0.25 + mag) }).forEach(([k, v]) => line.setAttribute(k, v));
        const t = document.createElementNS("http://www.w3.org/2000/svg", "title"); t.textContent = `weight ${Draw.fmt(w, 3)}`; line.append(t);
        svg.append(line);
      }));
    });
  }

  function classColor(c) { return run.classes === 2 ? (c ? [0, 114, 178] : [230, 159, 0]) : Draw.hex(Draw.OKABE[c]); }
  function drawHeat() {
    if (!run || !run.frame) return;
    const race = run.frame.race_heat !== undefined;
    $("n-race-fig").hidden = !race;
    document.querySelector(".heat-pair").classList.toggle("racing", race);
    $("n-heat-caption").textContent = race ? run.racers[0] : "";
    $("n-race-caption").textContent = race ? `${run.racers[1]} (race)` : "";
    paintHeat($("n-heat"), run.frame.heat);
    if (race) paintHeat($("n-race-heat"), run.frame.race_heat);
  }
  function paintHeat(cv, h) {
    const ctx = cv.getContext("2d"), n = run.grid;
    const off = document.createElement("canvas"); off.width = off.height = n;
    const octx = off.getContext("2d"), img = octx.createImageData(n, n);
    for (let p = 0; p < n * n; p++) {
      let col;
      if (run.task === "multiclass") col = Draw.mix([255, 255, 255], classColor(h.cls[p]), Math.max(0, (h.p[p] - 1 / run.classes) / (1 - 1 / run.classes)) * 0.75);
      else if (run.task === "binary") col = Draw.diverging(h.p[p] === null ? null : (2 * h.p[p] - 1) * 0.75);
      else col = Draw.diverging(h.p[p] === null ? null : h.p[p] * 0.75);
      img.data.set([...col, 255], 4 * p);
    }
    octx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true; ctx.drawImage(off, 0, 0, cv.width, cv.height);
    const D = run.domain, px = v => (v + D) / (2 * D) * cv.width, py = v => (D - v) / (2 * D) * cv.height;
    // the dots keep their on-screen size on a smaller canvas (a hidden tab's canvas has no width: 1)
    const scale = cv.clientWidth ? cv.width / cv.clientWidth : 1;
    const sets = [[run.train, "#fff"], ...(s.show_test === "1" ? [[run.test, "#000"]] : [])];
    for (const [pts, edge] of sets) for (const [x, y, label] of pts) {
      const col = run.task === "regression" ? Draw.diverging(label) : classColor(label);
      ctx.beginPath(); ctx.arc(px(x), py(y), 3.2 * scale, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${col})`; ctx.fill(); ctx.strokeStyle = edge; ctx.lineWidth = scale; ctx.stroke();
    }
  }

  // ---------------------------------------------------------------- tab
  async function init(m, params) {
    meta = m;
    s = { ...DEFAULTS };
    buildControls();
    const given = Object.fromEntries(params);
    try { await api("/api/network/check?" + new URLSearchParams(given)); Object.assign(s, given); }
    catch (e) { message(`The address has a setting the playground cannot use: ${e.message}. Showing the defaults instead.`, true); }
    syncControls();
  }
  let started = false;
  App.register("network", { init, state, activate: () => { if (!started) { started = true; reset(); } else { drawNet(); drawHeat(); drawChart(); } } });
  window.addEventListener("pagehide", stop);
})();
