// Checks static/assets/search.js in Node with a minimal fake page: manual
// timers, a fetch that the test answers, the real AbortController. Run by
// TestSearchScript (handlers/search_script_test.go):
//   node handlers/testdata/search_js_check.js static/assets/search.js
"use strict";
const fs = require("fs");
const vm = require("vm");
const assert = require("assert");

const src = fs.readFileSync(process.argv[2], "utf8");

function el(attrs) {
  const e = Object.assign({ hidden: true, textContent: "", title: "", children: [], listeners: {}, attrs: {} }, attrs || {});
  e.appendChild = (c) => { e.children.push(c); return c; };
  e.addEventListener = (t, f) => { (e.listeners[t] = e.listeners[t] || []).push(f); };
  e.setAttribute = (k, v) => { e.attrs[k] = v; };
  e.dispatchEvent = (ev) => { (e.listeners[ev.type] || []).forEach((f) => f(ev)); };
  return e;
}

function page(path, withSpeech) {
  let now = 0, nextID = 1;
  const timers = new Map();
  const delays = [];
  const fetches = [];
  const input = el({ value: "" });
  const box = el();
  const form = el();
  form.querySelector = () => input;
  const mic = el({ title: "Tìm bằng giọng nói" });
  mic.closest = () => form;
  const note = el();
  const document = {
    querySelector: (s) => (s === "[data-instant-results]" ? box : null),
    querySelectorAll: (s) => ({
      "[data-mic]": [mic], "input[data-instant]": [input], "[data-mic-note]": [note],
    }[s] || []),
    createElement: () => el(),
  };
  const window = { location: { pathname: path }, fetch: true, AbortController };
  if (withSpeech) { window.webkitSpeechRecognition = function () {}; }
  const ctx = {
    window, document, AbortController, Event: function (t) { this.type = t; },
    setTimeout: (f, ms) => { const id = nextID++; timers.set(id, { f, at: now + ms }); delays.push(ms); return id; },
    clearTimeout: (id) => { timers.delete(id); },
    fetch: (url, opts) => new Promise((resolve, reject) => {
      const call = { url, opts, resolve, reject, aborted: false };
      if (opts && opts.signal) {
        opts.signal.addEventListener("abort", () => { call.aborted = true; reject(new Error("AbortError")); });
      }
      fetches.push(call);
    }),
  };
  vm.runInNewContext(src, ctx);
  return {
    input, box, mic, note, fetches, delays,
    type(v) { input.value = v; input.dispatchEvent({ type: "input" }); },
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers]) { if (t.at <= now) { timers.delete(id); t.f(); } }
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

(async () => {
  // Debounce, minimum length, one request for a burst of typing.
  const p = page("/tim-kiem", false);
  p.type("m");
  p.advance(1000);
  assert.strictEqual(p.fetches.length, 0, "one character must not search");
  p.type("ma"); p.type("ma t"); p.type("ma tu");
  assert.ok(p.delays.every((d) => d >= 300), "debounce under 300 ms: " + p.delays);
  p.advance(299);
  assert.strictEqual(p.fetches.length, 0, "searched before the debounce");
  p.advance(100);
  assert.strictEqual(p.fetches.length, 1, "a burst of typing must make one request");
  assert.ok(p.fetches[0].url.includes("q=ma%20tu"), p.fetches[0].url);

  // Typing again cancels the request in flight.
  p.type("ma tuy");
  assert.ok(p.fetches[0].aborted, "request in flight not aborted");
  p.advance(400);
  assert.strictEqual(p.fetches.length, 2);
  p.fetches[1].resolve({ status: 200, ok: true, json: () => Promise.resolve({ total: 1, hits: [{ url: "/x", title: "X", type: "Bài viết" }] }) });
  await flush(); await flush();
  assert.strictEqual(p.box.hidden, false, "results not shown");

  // A 429 turns instant results off quietly.
  p.type("cai nghien");
  p.advance(400);
  assert.strictEqual(p.fetches.length, 3);
  p.fetches[2].resolve({ status: 429, ok: false, json: () => Promise.reject(new Error("no")) });
  await flush(); await flush();
  assert.strictEqual(p.box.hidden, true, "box not hidden after 429");
  p.type("cai nghien tu nguyen");
  p.advance(5000);
  assert.strictEqual(p.fetches.length, 3, "searched again after a 429");

  // Voice search: shown with its note where supported, never on informant pages.
  const ok = page("/tim-kiem", true);
  assert.strictEqual(ok.mic.hidden, false, "mic hidden on /tim-kiem");
  assert.strictEqual(ok.note.hidden, false, "voice note hidden on /tim-kiem");
  for (const path of ["/tin-bao", "/cai-nghien/dang-ky", "/tra-cuu"]) {
    const q = page(path, true);
    assert.strictEqual(q.mic.hidden, true, "mic shown on " + path);
  }
  console.log("search.js: ok");
})().catch((e) => { console.error(e); process.exit(1); });
