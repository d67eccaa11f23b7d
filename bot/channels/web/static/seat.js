/* The workbench made live: one WebSocket to the server, or fetch and polling where WebSocket
   is unavailable; without this script every form still works by reloading the page.
   Each message gets an id here; the server stores a message once per id, so a resend after a
   dropped connection or a double click can never double it. Text is always set with
   textContent, never as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("seat");
  if (!root) return;
  document.documentElement.classList.add("js");

  var practice = root.dataset.mode === "practice";
  var persona = root.dataset.persona;
  var last = parseInt(root.dataset.lastSeq, 10);
  var started = root.dataset.started === "1";
  var finished = root.dataset.finished === "1";
  var list = document.getElementById("messages");
  var typing = document.getElementById("typing");
  var notice = document.getElementById("notice");
  var composer = document.getElementById("composer");
  var text = document.getElementById("text");
  var counter = document.getElementById("counter");
  var timer = document.getElementById("timer");
  var pending = {}; // id -> {li, text}
  var ws = null, wsWorked = false, wsFailures = 0, polling = null, heartbeat = null;

  function newId() {
    // crypto.randomUUID needs a secure context (https); an exam LAN is plain http.
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function say(message) {
    if (!notice) return;
    notice.textContent = message;
    notice.hidden = !message;
  }

  function scrollDown() { list.scrollTop = list.scrollHeight; }

  function item(role, body, at) {
    var li = document.createElement("li");
    li.className = "msg " + role;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = (role === "customer" ? persona : "我") + " " + (at || "");
    var bubble = document.createElement("span");
    bubble.className = "bubble";
    bubble.textContent = body;
    li.appendChild(meta);
    li.appendChild(bubble);
    return li;
  }

  function addMessage(m) {
    if (list.querySelector('[data-seq="' + m.seq + '"]')) return;
    var li = item(m.role, m.text, m.at);
    li.dataset.seq = m.seq;
    if (practice && m.role === "agent" && m.moves) {
      var moves = document.createElement("span");
      moves.className = "moves";
      moves.textContent = "↳ " + (m.moves.length ? m.moves.join("、") : "（未识别）");
      if (m.violations && m.violations.length) {
        var bad = document.createElement("em");
        bad.className = "bad";
        bad.textContent = " ⚠ 禁用语：" + m.violations.join("、");
        moves.appendChild(bad);
      }
      li.appendChild(moves);
    }
    if (practice && m.role === "customer" && m.reasons) {
      // Why the customer said it: the rule or the memory behind the reply.
      var why = document.createElement("span");
      why.className = "why";
      why.textContent = "↳ " + m.reasons.join("；");
      li.appendChild(why);
    }
    // The candidate's own message replaces its pending copy.
    for (var id in pending) {
      if (m.role === "agent" && pending[id].text === m.text) {
        pending[id].li.remove();
        delete pending[id];
        break;
      }
    }
    list.appendChild(li);
    if (m.seq > last) last = m.seq;
  }

  function apply(frame) {
    var replied = false;
    (frame.messages || []).forEach(function (m) {
      addMessage(m);
      if (m.role === "customer") replied = true;
    });
    if (frame.id && pending[frame.id] && !(frame.messages || []).length) {
      // An update for our message that carries nothing new: it was stored before.
      pending[frame.id].li.remove();
      delete pending[frame.id];
    }
    if (replied || (frame.state && frame.state.finished)) typing.hidden = true;
    if (frame.state) {
      if (frame.state.remaining !== null && frame.state.remaining !== undefined) setClock(frame.state.remaining);
      if (frame.state.finished && !finished) {
        finished = true;
        setTimeout(function () { location.reload(); }, 1200);
      }
    }
    scrollDown();
  }

  // ---------------------------------------------------------------- sending

  function send(body, id) {
    body = body.trim();
    if (!body) return;
    var max = parseInt(root.dataset.maxChars, 10);
    if (body.length > max) { say("这条消息有 " + body.length + " 个字，超过了 " + max + " 字的上限。请分成几条发送。"); return; }
    id = id || newId();
    if (!pending[id]) {
      var li = item("agent", body, "");
      li.classList.add("pending");
      list.appendChild(li);
      pending[id] = { li: li, text: body };
    }
    typing.hidden = false;
    say("");
    scrollDown();
    if (ws && ws.readyState === 1) {
      ws.send(JSON.stringify({ type: "say", id: id, text: body }));
    } else if (polling || !window.WebSocket) {
      post(body, id, 0);
    } // else: the socket is reconnecting; pending messages are sent again when it opens
  }

  function post(body, id, tries) {
    fetch("/seat/say", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: id, text: body })
    }).then(function (r) { return r.json(); }).then(function (frame) {
      if (frame.error) return refusedMessage(frame.id || id, frame.error);
      frame.id = id;
      apply(frame);
    }).catch(function () {
      // No answer: send the same id again; the server stores it once whatever happens.
      if (tries < 30) setTimeout(function () { post(body, id, tries + 1); }, 2000);
    });
  }

  function refusedMessage(id, why) {
    typing.hidden = true;
    if (pending[id]) { pending[id].li.classList.add("failed"); delete pending[id]; }
    say(why);
  }

  function retryLater(id, why) {
    say(why);
    setTimeout(function () {
      if (pending[id] && ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "say", id: id, text: pending[id].text }));
    }, 3000);
  }

  function resendPending() {
    for (var id in pending) {
      if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "say", id: id, text: pending[id].text }));
      else post(pending[id].text, id, 0);
    }
  }

  // ---------------------------------------------------------------- the live connection

  function connect() {
    if (!window.WebSocket) return startPolling();
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/seat/ws");
    ws.onopen = function () {
      wsWorked = true;
      wsFailures = 0;
      ws.send(JSON.stringify({ type: "hello", after: last }));
      resendPending();
      clearInterval(heartbeat);
      heartbeat = setInterval(function () { if (ws.readyState === 1) ws.send('{"type":"ping"}'); }, 20000);
    };
    ws.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "update") apply(frame);
      else if (frame.type === "typing") typing.hidden = false;
      else if (frame.type === "error") refusedMessage(frame.id, frame.text);
      else if (frame.type === "retry") retryLater(frame.id, frame.text);
      else if (frame.type === "refused") { say(frame.text); finished = true; disable(); }
    };
    ws.onclose = function () {
      clearInterval(heartbeat);
      if (finished) return;
      wsFailures += 1;
      if (!wsWorked && wsFailures >= 3) return startPolling(); // WebSocket blocked: poll instead
      setTimeout(connect, Math.min(1000 * wsFailures, 5000));
    };
  }

  function startPolling() {
    if (polling) return;
    polling = setInterval(poll, 3000);
    resendPending();
    poll();
  }

  function poll() {
    fetch("/seat/events?after=" + last, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (frame) {
        if (frame.refused) { say(frame.refused); disable(); clearInterval(polling); return; }
        if (!frame.error) apply(frame);
      }).catch(function () { /* the server is restarting: the next poll asks again */ });
  }

  function disable() {
    if (composer) Array.prototype.forEach.call(composer.elements, function (e) { e.disabled = true; });
  }

  // ---------------------------------------------------------------- the exam clock

  var clockEnd = null;
  function setClock(seconds) { clockEnd = Date.now() + seconds * 1000; tick(); }
  function tick() {
    if (clockEnd === null || !timer) return;
    var left = Math.max(0, Math.round((clockEnd - Date.now()) / 1000));
    var mm = ("0" + Math.floor(left / 60)).slice(-2), ss = ("0" + (left % 60)).slice(-2);
    timer.textContent = left > 0 ? "剩余 " + mm + ":" + ss : "考试时间到";
    timer.classList.toggle("low", left < 120);
  }
  if (timer && timer.dataset.remaining) setClock(parseInt(timer.dataset.remaining, 10));
  setInterval(tick, 1000);

  // ---------------------------------------------------------------- 快捷短语

  var phraseKey = "kefu.phrases." + root.dataset.key;
  var phrases = document.getElementById("phrases");
  function usePhrase(body) {
    if (!text) return;
    text.value = text.value ? text.value + body : body;
    text.focus();
    updateCounter();
  }
  function addPhraseButton(body) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "phrase own";
    b.textContent = body;
    b.title = body;
    phrases.insertBefore(b, document.getElementById("phrase-form"));
  }
  if (phrases) {
    var own = [];
    try { own = JSON.parse(localStorage.getItem(phraseKey) || "[]"); } catch (e) { own = []; }
    own.forEach(addPhraseButton);
    phrases.addEventListener("click", function (event) {
      var b = event.target.closest ? event.target.closest(".phrase") : null;
      if (b) usePhrase(b.textContent);
    });
    var form = document.getElementById("phrase-form");
    var input = document.getElementById("phrase-input");
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value.trim();
      if (!body) return;
      own.push(body);
      try { localStorage.setItem(phraseKey, JSON.stringify(own)); } catch (e) { /* private mode */ }
      addPhraseButton(body);
      input.value = "";
    });
  }

  // ---------------------------------------------------------------- the composer

  function updateCounter() {
    if (counter && text) counter.textContent = text.value.length + " / " + root.dataset.maxChars;
  }
  if (composer) {
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = text.value;
      if (!body.trim()) return;
      text.value = "";
      updateCounter();
      send(body);
      text.focus();
    });
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit ? composer.requestSubmit() : composer.dispatchEvent(new Event("submit"));
      }
    });
    text.addEventListener("input", updateCounter);
  }

  var endForm = document.getElementById("end-form");
  if (endForm) {
    // The checkbox is the confirmation without JavaScript; with it, confirm() asks instead.
    endForm.querySelector('input[name="confirm"]').required = false;
    endForm.addEventListener("submit", function (event) {
      var question = practice ? "确定结束接待吗？" : "确定结束考试对话吗？结束后不能再继续。";
      if (!window.confirm(question)) { event.preventDefault(); return; }
      endForm.querySelector('input[name="confirm"]').checked = true;
    });
  }

  scrollDown();
  if (started && !finished) connect();
})();
