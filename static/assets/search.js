// Search enhancements: results as you type (an ARIA 1.2 combobox over
// /api/v1/search), voice search (Web Speech API, vi-VN, at most 10 seconds),
// and focus on a form's error summary. Every form works without this file;
// it only adds to them.
//
// Results as you type follow the WAI-ARIA Authoring Practices "combobox
// with list autocomplete": the input is role=combobox and owns a listbox
// placed in the page's normal flow right under it; Down and Up move through
// the options (aria-activedescendant, focus stays in the input), Enter opens
// the chosen option or, with none chosen, submits the form for the full
// results page, Escape closes the list (a second Escape clears the input),
// and a polite live region announces how many results there are. They
// share the per-client search budget (PORTAL_LIMIT_SEARCH) with the form,
// and one office behind one address shares it too: a request goes out only
// after 300 ms without typing and from 2 characters, a newer request
// cancels the one in flight (AbortController), and the first 429 turns
// instant results off for the page quietly (the form still works).
//
// Voice search: in Chrome the Web Speech API sends the recorded audio to
// Google's servers to be recognised, so the button says so (its title, or
// the note on /tim-kiem it points to), and the server does not render it on
// the informant pages (/tin-bao, /cai-nghien/dang-ky, /tra-cuu); this file
// also refuses to start it there. Every way it can fail (microphone refused,
// no speech heard, no network, no microphone, browser without speech
// recognition) ends with a visible message in plain Vietnamese next to the
// form, read out by screen readers.
(function () {
  "use strict";
  var LISTEN_MS = 10000, DEBOUNCE_MS = 300, MIN_CHARS = 2, MAX_CHARS = 200, PER_PAGE = 5;
  var NO_VOICE = ["/tin-bao", "/cai-nghien/dang-ky", "/tra-cuu"];
  var uid = 0;

  function voiceAllowed() {
    var path = window.location.pathname;
    return !NO_VOICE.some(function (p) { return path === p || path.indexOf(p + "/") === 0; });
  }

  // The element after which a form's additions (result list, messages) go:
  // the form's [data-instant-anchor] part, or the form itself.
  function anchorOf(form) {
    return form.querySelector("[data-instant-anchor]") || form;
  }

  function make(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; }
    return e;
  }

  // ---- voice search ----

  // Messages for each way recognition can end without a result. Keys are
  // SpeechRecognitionErrorEvent.error codes, plus "unsupported" and
  // "offline" (checked before starting).
  var MIC_MESSAGES = {
    "not-allowed": "Trình duyệt chưa được phép dùng micrô. Hãy cho phép micrô cho trang này (bấm biểu tượng bên trái địa chỉ trang), rồi bấm “Nói” lần nữa. Bạn cũng có thể gõ từ khóa.",
    "service-not-allowed": "Trình duyệt này không cho dùng tính năng nhận dạng giọng nói. Hãy gõ từ khóa vào ô tìm kiếm.",
    "no-speech": "Chưa nghe thấy bạn nói. Hãy bấm “Nói”, nói rõ từ khóa gần micrô, hoặc gõ từ khóa.",
    "audio-capture": "Không tìm thấy micrô trên máy. Hãy kiểm tra micrô hoặc gõ từ khóa.",
    "network": "Không nhận dạng được giọng nói vì mất kết nối mạng (trình duyệt cần mạng để nhận dạng). Hãy gõ từ khóa.",
    "offline": "Máy đang không có kết nối mạng nên không nhận dạng được giọng nói. Hãy gõ từ khóa; khi có mạng, bấm “Tìm”.",
    "language-not-supported": "Trình duyệt này chưa nhận dạng được tiếng Việt. Hãy gõ từ khóa.",
    "unsupported": "Trình duyệt này không hỗ trợ tìm bằng giọng nói. Hãy gõ từ khóa, hoặc dùng Chrome, Edge hay Safari mới.",
    "other": "Không nhận dạng được giọng nói. Hãy thử lại hoặc gõ từ khóa."
  };

  function setupMic(btn) {
    var form = btn.closest("form");
    var input = form && form.querySelector("input[name=q]");
    if (!input || !voiceAllowed()) { return; }
    var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
    // The message line: empty (no height) until something fails.
    var msg = make("p", "mic-msg");
    msg.id = "mic-msg-" + (++uid);
    msg.setAttribute("role", "status");
    anchorOf(form).after(msg);
    btn.hidden = false;
    var rec = null, timer = null, idleLabel = btn.textContent, idleTitle = btn.title;
    function say(code) { msg.textContent = MIC_MESSAGES[code] || MIC_MESSAGES.other; }
    function stop() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (rec) { try { rec.stop(); } catch (e) { /* already stopped */ } }
    }
    function reset() {
      rec = null;
      btn.setAttribute("aria-pressed", "false");
      btn.classList.remove("listening");
      btn.textContent = idleLabel;
      btn.title = idleTitle;
    }
    btn.addEventListener("click", function () {
      if (rec) { stop(); return; }
      msg.textContent = "";
      if (!Recognition) { say("unsupported"); return; }
      if (navigator.onLine === false) { say("offline"); return; }
      rec = new Recognition();
      rec.lang = "vi-VN";
      rec.interimResults = true;
      rec.maxAlternatives = 1;
      var finalText = "", failed = false;
      rec.onresult = function (ev) {
        var text = "";
        for (var i = 0; i < ev.results.length; i++) {
          text += ev.results[i][0].transcript;
          if (ev.results[i].isFinal) { finalText = text; }
        }
        input.value = text.slice(0, MAX_CHARS);
      };
      rec.onerror = function (ev) {
        failed = true;
        // "aborted" is our own stop (second click): nothing to report.
        if (ev && ev.error !== "aborted") { say(ev.error); }
        stop();
      };
      rec.onend = function () {
        var send = finalText.trim() !== "";
        reset();
        if (timer) { clearTimeout(timer); timer = null; }
        if (send) { form.submit(); return; }
        if (!failed) { say("no-speech"); }
      };
      btn.setAttribute("aria-pressed", "true");
      btn.classList.add("listening");
      btn.textContent = "Đang nghe…";
      btn.title = "Bấm để dừng và tìm ngay";
      try { rec.start(); } catch (e) { reset(); say("other"); return; }
      timer = setTimeout(stop, LISTEN_MS);
    });
  }

  // ---- results as you type ----

  var instantOff = false; // set by the first 429, for every box of the page

  function setupInstant(input) {
    var form = input.closest("form");
    if (!form || !window.fetch) { return; }
    var id = input.id || ("q-" + (++uid));
    input.id = id;
    var box = make("div", "instant");
    box.hidden = true;
    var head = make("p", "instant-head");
    head.id = id + "-head";
    var list = make("ul", "instant-list");
    list.id = id + "-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-labelledby", head.id);
    box.appendChild(head);
    box.appendChild(list);
    // The live region exists (empty) before anything is announced in it.
    var live = make("p", "sr-only");
    live.setAttribute("role", "status");
    anchorOf(form).after(box);
    box.after(live);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var timer = null, seq = 0, inflight = null, active = -1, urls = [], leaving = false;

    function options() { return list.querySelectorAll("[role=option]"); }
    function setActive(i) {
      var opts = options();
      if (active >= 0 && opts[active]) { opts[active].setAttribute("aria-selected", "false"); }
      active = i;
      if (i < 0 || !opts[i]) { input.removeAttribute("aria-activedescendant"); active = -1; return; }
      opts[i].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", opts[i].id);
      opts[i].scrollIntoView({ block: "nearest" });
    }
    function open() {
      if (!options().length) { return; }
      box.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function close() {
      setActive(-1);
      box.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }
    function clear() {
      close();
      list.textContent = "";
      head.textContent = "";
      urls = [];
    }
    function cancel() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (inflight) { inflight.abort(); inflight = null; }
      seq++;
    }
    function go(i) { if (urls[i]) { leaving = true; window.location.href = urls[i]; } }

    function render(data, q) {
      list.textContent = "";
      urls = [];
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var hits = (data && data.hits) || [];
      if (hits.length === 0) {
        head.textContent = "Chưa thấy kết quả cho “" + q + "”. Thử gõ không dấu hoặc bớt từ; nhấn Enter để tìm đầy đủ.";
        live.textContent = "Không có kết quả gợi ý.";
        box.hidden = false;
        input.setAttribute("aria-expanded", "false");
        return;
      }
      head.textContent = data.total + " kết quả. Mũi tên xuống để chọn, Enter để xem tất cả.";
      hits.forEach(function (h, i) {
        var li = make("li", "instant-opt");
        li.id = id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.appendChild(make("span", "instant-title", (h.number ? h.type + " số " + h.number + ": " : "") + h.title));
        // mousedown, not click: the input keeps the focus until we leave.
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); go(i); });
        list.appendChild(li);
        urls.push(h.url);
      });
      live.textContent = data.total + " kết quả gợi ý. Dùng phím mũi tên lên, xuống để chọn.";
      open();
    }

    function onInput() {
      cancel();
      var q = input.value.trim();
      if (instantOff || q.length < MIN_CHARS || q.length > MAX_CHARS) { clear(); return; }
      // The box opens now, while the keystroke still counts as the cause
      // of what moves, at its full fixed height: results that arrive later
      // fill it without pushing the page down again (no layout shift).
      if (box.hidden) {
        setActive(-1);
        list.textContent = "";
        urls = [];
        head.textContent = "Đang tìm…";
        box.hidden = false;
      }
      timer = setTimeout(function () {
        timer = null;
        var mine = seq;
        var ctl = window.AbortController ? new AbortController() : null;
        inflight = ctl;
        fetch("/api/v1/search?per_page=" + PER_PAGE + "&q=" + encodeURIComponent(q),
          { headers: { "Accept": "application/json" }, signal: ctl ? ctl.signal : undefined })
          .then(function (r) {
            if (r.status === 429) { instantOff = true; clear(); return null; }
            if (!r.ok) { clear(); }
            return r.ok ? r.json() : null;
          })
          .then(function (data) {
            if (mine !== seq) { return; }
            inflight = null;
            if (data && !instantOff) { render(data, q); }
          })
          .catch(function () { /* aborted or offline: the form still works */ });
      }, DEBOUNCE_MS);
    }
    input.addEventListener("input", onInput);

    input.addEventListener("keydown", function (ev) {
      var n = options().length;
      switch (ev.key) {
        case "ArrowDown":
          if (!n) { return; }
          ev.preventDefault();
          if (box.hidden) { open(); }
          setActive(active + 1 < n ? active + 1 : 0);
          break;
        case "ArrowUp":
          if (!n) { return; }
          ev.preventDefault();
          if (box.hidden) { open(); }
          setActive(active > 0 ? active - 1 : n - 1);
          break;
        case "Enter":
          if (!box.hidden && active >= 0) { ev.preventDefault(); go(active); }
          break; // otherwise the form is submitted: the full results page
        case "Escape":
          if (!box.hidden) { ev.preventDefault(); cancel(); close(); } else if (input.value) { ev.preventDefault(); input.value = ""; clear(); }
          break;
        case "Tab":
          close();
          break;
      }
    });
    input.addEventListener("blur", function () { close(); });
    // Enter on a chosen option may also reach the form as an implicit
    // submission (a keypress after the keydown): open the option instead.
    form.addEventListener("submit", function (ev) {
      if (leaving || (!box.hidden && active >= 0)) { ev.preventDefault(); go(active); }
    });
    // Set up after load (see the end of this file): what was typed before
    // is searched now.
    if (document.activeElement === input && input.value.trim().length >= MIN_CHARS) { onInput(); }
  }

  // ---- error summaries ----

  // A form that came back with errors has its summary marked autofocus,
  // which moves focus there without JavaScript; this covers browsers that
  // ignore autofocus on non-form elements.
  function focusSummary() {
    var s = document.querySelector("[autofocus]");
    if (s && document.activeElement !== s) { s.focus(); }
  }

  focusSummary();
  document.querySelectorAll("[data-mic]").forEach(setupMic);
  // Results as you type build their list and live region when the browser
  // is idle after load, in a task of their own, rather than in the task
  // that loads the page: a phone's main thread is free sooner (Lighthouse's
  // Total Blocking Time, docs/quality.md). Nobody types in the first
  // moment, and what is typed meanwhile is searched once it is ready.
  function setupInstantAll() { document.querySelectorAll("input[data-instant]").forEach(setupInstant); }
  if (window.requestIdleCallback) { window.requestIdleCallback(setupInstantAll, { timeout: 500 }); } else { setTimeout(setupInstantAll, 1); }
})();
