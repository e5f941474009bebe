// Search enhancements: voice search (Web Speech API, vi-VN, at most 10
// seconds) and results as you type (from /api/v1/search). The search forms
// work without this file; it only adds to them.
//
// Voice search: in Chrome the Web Speech API sends the recorded audio to
// Google's servers to be recognised, so the button says so in its title,
// /tim-kiem says so next to it, and the server does not render the button
// on the informant pages (/tin-bao, /cai-nghien/dang-ky, /tra-cuu). This
// file also refuses to start it there.
//
// Results as you type share the per-client search budget
// (PORTAL_LIMIT_SEARCH) with the form, and one office behind one address
// shares it too: a request goes out only after 350 ms without typing and
// from 2 characters, a newer request cancels the one in flight
// (AbortController), and the first 429 turns instant results off for the
// page quietly (the form still works).
(function () {
  "use strict";
  var LISTEN_MS = 10000, DEBOUNCE_MS = 350, MIN_CHARS = 2, MAX_CHARS = 200;
  var NO_VOICE = ["/tin-bao", "/cai-nghien/dang-ky", "/tra-cuu"];

  function voiceAllowed() {
    var path = window.location.pathname;
    return !NO_VOICE.some(function (p) { return path === p || path.indexOf(p + "/") === 0; });
  }

  // Voice search: a button per form marked data-mic, shown only where the
  // browser supports speech recognition.
  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  function setupMic(btn) {
    var form = btn.closest("form");
    var input = form && form.querySelector("input[name=q]");
    if (!Recognition || !input || !voiceAllowed()) { return; }
    btn.hidden = false;
    document.querySelectorAll("[data-mic-note]").forEach(function (n) { n.hidden = false; });
    var rec = null, timer = null, idleLabel = btn.textContent, idleTitle = btn.title;
    function stop() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (rec) { try { rec.stop(); } catch (e) { /* already stopped */ } }
    }
    function reset() {
      rec = null;
      btn.setAttribute("aria-pressed", "false");
      btn.textContent = idleLabel;
      btn.title = idleTitle;
    }
    btn.addEventListener("click", function () {
      if (rec) { stop(); return; }
      rec = new Recognition();
      rec.lang = "vi-VN";
      rec.interimResults = true;
      rec.maxAlternatives = 1;
      var finalText = "";
      rec.onresult = function (ev) {
        var text = "";
        for (var i = 0; i < ev.results.length; i++) {
          text += ev.results[i][0].transcript;
          if (ev.results[i].isFinal) { finalText = text; }
        }
        input.value = text.slice(0, MAX_CHARS);
        input.dispatchEvent(new Event("input"));
      };
      rec.onerror = function () { stop(); };
      rec.onend = function () {
        var send = finalText.trim() !== "";
        reset();
        if (timer) { clearTimeout(timer); timer = null; }
        if (send) { form.submit(); }
      };
      btn.setAttribute("aria-pressed", "true");
      btn.textContent = "Đang nghe…";
      btn.title = "Bấm để dừng và tìm ngay";
      try { rec.start(); } catch (e) { reset(); return; }
      timer = setTimeout(stop, LISTEN_MS);
    });
  }

  // Results as you type for inputs marked data-instant.
  var instantOff = false; // set by the first 429, for every box of the page
  function setupInstant(input) {
    var box = document.querySelector("[data-instant-results]");
    if (!box || !window.fetch) { return; }
    var timer = null, seq = 0, inflight = null;
    function clear() { box.hidden = true; box.textContent = ""; }
    function cancel() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (inflight) { inflight.abort(); inflight = null; }
      seq++;
    }
    function render(data, q) {
      box.textContent = "";
      var head = document.createElement("p");
      head.className = "muted";
      if (!data.hits || data.hits.length === 0) {
        head.textContent = "Chưa thấy kết quả cho “" + q + "”. Thử gõ không dấu hoặc bớt từ.";
        box.appendChild(head);
        box.hidden = false;
        return;
      }
      head.textContent = data.total + " kết quả — nhấn Enter để xem đầy đủ";
      box.appendChild(head);
      var ol = document.createElement("ol");
      data.hits.forEach(function (h) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = h.url;
        a.textContent = (h.number ? h.type + " số " + h.number + ": " : "") + h.title;
        li.appendChild(a);
        if (h.snippet_html) {
          var p = document.createElement("p");
          p.className = "snippet";
          // snippet_html is escaped by the server; only <mark> is markup.
          p.innerHTML = h.snippet_html;
          li.appendChild(p);
        }
        ol.appendChild(li);
      });
      box.appendChild(ol);
      box.hidden = false;
    }
    input.addEventListener("input", function () {
      cancel();
      var q = input.value.trim();
      if (instantOff || q.length < MIN_CHARS || q.length > MAX_CHARS) { clear(); return; }
      timer = setTimeout(function () {
        timer = null;
        var mine = seq;
        var ctl = window.AbortController ? new AbortController() : null;
        inflight = ctl;
        fetch("/api/v1/search?per_page=5&q=" + encodeURIComponent(q),
          { headers: { "Accept": "application/json" }, signal: ctl ? ctl.signal : undefined })
          .then(function (r) {
            if (r.status === 429) { instantOff = true; clear(); return null; }
            return r.ok ? r.json() : null;
          })
          .then(function (data) {
            if (mine !== seq) { return; }
            inflight = null;
            if (data && !instantOff) { render(data, q); }
          })
          .catch(function () { /* aborted or offline: the form still works */ });
      }, DEBOUNCE_MS);
    });
  }

  document.querySelectorAll("[data-mic]").forEach(setupMic);
  document.querySelectorAll("input[data-instant]").forEach(setupInstant);
})();
