/* The task paper made live: every answer is saved as it is typed (a moment after the last key),
   a limited answer has a character counter that refuses going over the limit, and the paper is
   submitted when its time is up. Without this script the page still works: 保存答案 posts the
   whole form and 提交试卷 submits it. Characters are counted as graders count them, by the same
   rule as bot/core/papers/text.py: a Chinese character or full-width mark is one, a run of
   Latin letters or digits is one, spaces and half-width punctuation are none. */
(function () {
  "use strict";
  var root = document.getElementById("paper");
  if (!root || root.dataset.submitted === "1") return;
  document.documentElement.classList.add("js");
  var notice = document.getElementById("notice");
  var state = document.getElementById("save-state");
  var timer = document.getElementById("paper-timer");
  var COUNTED = /[A-Za-z0-9]+(?:[.,\-%'][A-Za-z0-9]+)*%?|[^\x00-\x7f\s]/g;
  var SAVE_DELAY = 600;
  var timers = {};
  var dirty = {};
  var closed = false;

  function count(text) { return (text.match(COUNTED) || []).length; }

  function say(message) {
    notice.textContent = message;
    notice.hidden = !message;
  }

  // A task's answer from its fields, by their names: "t1" is the text, "t4.basic.value" a path.
  function valueOf(fieldset) {
    var value = null;
    fieldset.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (el) {
      var path = el.name.split(".").slice(1);
      if (!path.length) { value = el.value; return; }
      value = value || {};
      var node = value;
      for (var i = 0; i < path.length - 1; i++) { node = node[path[i]] = node[path[i]] || {}; }
      node[path[path.length - 1]] = el.value;
    });
    return value;
  }

  function save(fieldset) {
    var task = fieldset.dataset.task;
    clearTimeout(timers[task]);
    if (closed) return Promise.resolve();
    state.textContent = "正在保存…";
    return fetch("/seat/paper/answer", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: task, value: valueOf(fieldset) })
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "保存失败");
        delete dirty[task];
        state.textContent = "已保存 " + new Date().toLocaleTimeString();
        say("");
      });
    }).catch(function (error) {
      state.textContent = "未保存";
      say(error.message === "Failed to fetch" ? "网络中断，答案稍后自动重新保存。" : error.message);
      if (error.message === "Failed to fetch") later(fieldset, 3000);
    });
  }

  function later(fieldset, delay) {
    var task = fieldset.dataset.task;
    dirty[task] = fieldset;
    state.textContent = "有改动，稍后自动保存…";
    clearTimeout(timers[task]);
    timers[task] = setTimeout(function () { save(fieldset); }, delay);
  }

  // The counter: shows the count, and refuses an input that would go over the limit.
  function limit(area) {
    var max = parseInt(area.dataset.limitMax, 10);
    var box = document.getElementById("counter-" + area.name);
    var shown = box.querySelector(".count");
    var refused = box.querySelector(".refused");
    var good = area.value;
    area.addEventListener("input", function () {
      var n = count(area.value);
      if (n > max) {
        var at = area.selectionStart - (area.value.length - good.length);
        area.value = good;
        area.setSelectionRange(at, at);
        refused.textContent = "已达到 " + max + " 字上限，超出的内容未输入。";
        refused.hidden = false;
        box.classList.add("over");
        return;
      }
      good = area.value;
      shown.textContent = n;
      refused.hidden = true;
      box.classList.remove("over");
    });
  }

  document.querySelectorAll("fieldset.task").forEach(function (fieldset) {
    fieldset.addEventListener("input", function () { later(fieldset, SAVE_DELAY); });
    fieldset.addEventListener("change", function () { later(fieldset, SAVE_DELAY); });
  });
  // The area's own listener runs before its fieldset's (target before bubbling), so a refused
  // input is taken back before the answer is saved.
  document.querySelectorAll("textarea[data-limit-max]").forEach(limit);

  // The form's own submit(): its button's id "submit" shadows form.submit.
  function post(form) { HTMLFormElement.prototype.submit.call(form); }

  function flush() {
    return Promise.all(Object.keys(dirty).map(function (task) { return save(dirty[task]); }));
  }

  document.getElementById("paper-form").addEventListener("submit", function (event) {
    event.preventDefault();
    document.querySelectorAll("fieldset.task").forEach(function (f) { dirty[f.dataset.task] = f; });
    flush();
  });
  document.getElementById("submit-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    flush().then(function () { closed = true; post(form); });
  });
  window.addEventListener("beforeunload", function () {
    Object.keys(dirty).forEach(function (task) {
      var body = JSON.stringify({ task: task, value: valueOf(dirty[task]) });
      if (navigator.sendBeacon) navigator.sendBeacon("/seat/paper/answer", new Blob([body], { type: "text/plain" }));
    });
  });

  // The clock: at zero, save what is there and submit.
  var ends = Date.now() + parseInt(timer.dataset.remaining, 10) * 1000;
  var tick = setInterval(function () {
    var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    var mm = ("0" + Math.floor(left / 60)).slice(-2), ss = ("0" + (left % 60)).slice(-2);
    timer.textContent = left > 0 ? "剩余 " + mm + ":" + ss : "考试时间到";
    timer.classList.toggle("low", left < 300);
    if (left === 0) {
      clearInterval(tick);
      flush().then(function () {
        closed = true;
        var form = document.getElementById("submit-form");
        form.querySelector("input[name=confirm]").checked = true;
        form.querySelector("input[name=time_up]").value = "1";
        post(form);
      });
    }
  }, 1000);
})();
