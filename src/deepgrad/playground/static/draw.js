// Drawing helpers shared by both tabs: a colour-blind-safe palette (Okabe-Ito) and the
// loss chart. No maths of the models here: the server computes every number.
"use strict";
const Draw = (() => {
  const OKABE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000"];
  const ORANGE = [230, 159, 0], BLUE = [0, 114, 178], WHITE = [255, 255, 255];

  function hex(c) { return [1, 3, 5].map(i => parseInt(c.slice(i, i + 2), 16)); }
  function mix(a, b, t) { return a.map((v, i) => Math.round(v + (b[i] - v) * t)); }
  // -1 -> orange, 0 -> white, +1 -> blue (the TensorFlow Playground's diverging pair)
  function diverging(v) {
    if (v === null || !isFinite(v)) return [200, 200, 200];
    v = Math.max(-1, Math.min(1, v));
    return v < 0 ? mix(WHITE, ORANGE, -v) : mix(WHITE, BLUE, v);
  }
  // light sequential ramp for the loss surface: low loss light, high loss dark
  const RAMP = [[247, 251, 255], [222, 235, 247], [198, 219, 239], [158, 202, 225],
                [120, 170, 210], [90, 130, 185], [70, 90, 150], [60, 60, 110]];
  function sequential(t) {
    t = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
    const i = Math.min(RAMP.length - 2, Math.floor(t));
    return mix(RAMP[i], RAMP[i + 1], t - i);
  }
  function fmt(v, digits = 4) {
    if (v === null || v === undefined || !isFinite(v)) return "—";
    const a = Math.abs(v);
    return (a !== 0 && (a < 1e-3 || a >= 1e5)) ? v.toExponential(digits - 1) : v.toPrecision(digits);
  }
  function niceTicks(lo, hi, n) {
    const span = hi - lo || 1, step0 = span / n, mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= step0);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(+v.toPrecision(12));
    return out;
  }
  // series: [{label, color, dash, values: [y per epoch, 1-based x]}]; returns a hover function
  function chart(canvas, series, hoverEpoch) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    const L = 46, R = 8, T = 8, B = 26;
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
    const n = Math.max(1, ...series.map(s => s.values.length));
    const ys = series.flatMap(s => s.values).filter(v => v !== null && isFinite(v));
    let lo = ys.length ? Math.min(0, ...ys) : 0, hi = ys.length ? Math.max(...ys) : 1;
    if (hi - lo < 1e-9) hi = lo + 1;
    const X = e => L + (W - L - R) * (e - 1) / Math.max(1, n - 1);
    const Y = v => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
    ctx.strokeStyle = "#333"; ctx.lineWidth = 1; ctx.font = "10px system-ui"; ctx.fillStyle = "#333";
    ctx.beginPath(); ctx.moveTo(L, T); ctx.lineTo(L, H - B); ctx.lineTo(W - R, H - B); ctx.stroke();
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const v of niceTicks(lo, hi, 4)) {
      ctx.fillText(fmt(v, 2), L - 4, Y(v));
      ctx.strokeStyle = "#eee"; ctx.beginPath(); ctx.moveTo(L + 1, Y(v)); ctx.lineTo(W - R, Y(v)); ctx.stroke();
    }
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const e of niceTicks(1, n, 5)) if (e >= 1) ctx.fillText(String(e), X(e), H - B + 3);
    ctx.fillText("epoch", (L + W) / 2, H - 12);
    ctx.save(); ctx.translate(10, (T + H - B) / 2); ctx.rotate(-Math.PI / 2); ctx.fillText("loss", 0, -6); ctx.restore();
    for (const s of series) {
      ctx.strokeStyle = s.color; ctx.lineWidth = 2; ctx.setLineDash(s.dash || []);
      ctx.beginPath(); let on = false;
      s.values.forEach((v, i) => {
        if (v === null || !isFinite(v)) { on = false; return; }
        if (on) ctx.lineTo(X(i + 1), Y(v)); else ctx.moveTo(X(i + 1), Y(v));
        on = true;
      });
      ctx.stroke();
    }
    ctx.setLineDash([]);
    if (hoverEpoch) {
      ctx.strokeStyle = "#000"; ctx.beginPath(); ctx.moveTo(X(hoverEpoch), T); ctx.lineTo(X(hoverEpoch), H - B); ctx.stroke();
    }
    return x => Math.max(1, Math.min(n, Math.round(1 + (x - L) / (W - L - R) * Math.max(1, n - 1))));
  }
  return { OKABE, hex, mix, diverging, sequential, fmt, chart };
})();
