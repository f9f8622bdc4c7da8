// The page's frame: tabs, the message line, the state in the URL, calls to the server.
"use strict";
const App = (() => {
  const $ = id => document.getElementById(id);
  const tabs = {};   // name -> {activate(), state() -> URLSearchParams}
  let current = "surface", meta = null;

  // a sticky message (about the address) stays until dismissed; others clear on success
  let sticky = false;
  function message(text, keep) {
    if (!text && sticky) return;
    sticky = !!(text && keep);
    $("message-text").textContent = text || "";
    $("message").hidden = !text;
  }
  $("message-close").addEventListener("click", () => { sticky = false; message(""); });

  // JSON from the server; a 4xx answer's {"error"} becomes an Error with that message
  async function api(path, options) {
    let res;
    try { res = await fetch(path, options); }
    catch (e) { if (e.name === "AbortError") throw e; throw new Error("the playground server does not answer (is `deepgrad playground` still running?)"); }
    const ctype = res.headers.get("Content-Type") || "";
    if (!res.ok) {
      const body = ctype.includes("json") ? await res.json() : { error: res.statusText };
      const err = new Error(body.error || res.statusText); err.status = res.status; throw err;
    }
    return ctype.includes("json") ? res.json() : res;
  }

  function hashParams() { return new URLSearchParams(location.hash.replace(/^#/, "")); }
  function saveState() {
    const p = tabs[current].state();
    p.set("tab", current);
    const h = "#" + p.toString();
    if (h !== location.hash) history.replaceState(null, "", h);
  }

  function select(name, focus) {
    current = name;
    for (const t of ["surface", "network"]) {
      const on = t === name;
      $("tab-" + t).setAttribute("aria-selected", on);
      $("tab-" + t).tabIndex = on ? 0 : -1;
      $("panel-" + t).hidden = !on;
    }
    if (focus) $("tab-" + name).focus();
    tabs[name].activate();
    saveState();
  }
  for (const t of ["surface", "network"]) {
    $("tab-" + t).addEventListener("click", () => select(t));
    $("tab-" + t).addEventListener("keydown", e => {
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") select(t === "surface" ? "network" : "surface", true);
    });
  }

  function register(name, tab) { tabs[name] = tab; }

  async function start() {
    try { meta = await api("/api/problems"); }
    catch (e) { message(e.message); return; }
    const p = hashParams();
    const tab = p.get("tab") || "surface";
    if (!(tab in tabs)) message(`unknown tab ${JSON.stringify(tab)} in the address; showing the error surface`, true);
    p.delete("tab");
    current = tab in tabs ? tab : "surface";
    for (const [name, t] of Object.entries(tabs)) await t.init(meta, name === current ? p : new URLSearchParams());
    select(current);
  }
  window.addEventListener("load", start);
  return { $, api, message, saveState, register, get meta() { return meta; }, get current() { return current; } };
})();
