/* The phone simulator: posts to the gateway's callbacks as Africa's Talking does.
 *
 * USSD: one fresh sessionId per dial; `text` accumulates every input of the session joined by
 * `*` (the gateway, not this page, works out what is new). A dial-through such as
 * `*152*00*9*2#` becomes serviceCode `*152*00#` and a first `text` of `9*2`.
 * SMS: a form post per message; replies are whatever the outbox holds for the number.
 * Plain script, no dependencies: the page must work with no internet.
 */
(function () {
  "use strict";

  /* Split a dial string against the configured service code.
   * Returns {serviceCode, text} or {error}. Pure, so a test can drive it. */
  function parseDial(raw, serviceCode) {
    var dial = String(raw || "").replace(/\s+/g, "");
    if (!/^\*[0-9*]*#$/.test(dial)) {
      return {error: "A USSD code starts with * and ends with #, e.g. " + serviceCode};
    }
    if (dial === serviceCode) {
      return {serviceCode: serviceCode, text: ""};
    }
    var stem = serviceCode.slice(0, -1) + "*";
    if (dial.indexOf(stem) === 0) {
      var text = dial.slice(stem.length, -1);
      if (text === "" || /\*\*|^\*|\*$/.test(text)) {
        return {error: "Empty step in " + dial};
      }
      return {serviceCode: serviceCode, text: text};
    }
    return {error: "Unknown service code " + dial + ": this gateway answers " + serviceCode};
  }

  /* Characters of a reply as the phone counts them, and what is not GSM-7. */
  function measure(text, basic, extension) {
    var septets = 0, bad = [];
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (basic.indexOf(ch) >= 0) septets += 1;
      else if (extension.indexOf(ch) >= 0) septets += 2;
      else { septets += 1; if (bad.indexOf(ch) < 0) bad.push(ch); }
    }
    return {chars: text.length, septets: septets, notGsm: bad};
  }

  function newId(prefix) {
    var hex = "";
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    for (var i = 0; i < bytes.length; i++) hex += ("0" + bytes[i].toString(16)).slice(-2);
    return prefix + hex;
  }

  window.MrejeshoSimulator = {parseDial: parseDial, measure: measure};

  var settings = JSON.parse(document.getElementById("sim-settings").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var ussd = {sessionId: null, serviceCode: null, text: "", active: false, hops: 0,
              started: 0, last: null, busy: false};
  var sent = {};        // phone -> [{text, at, status}] the SMS this page sent
  var outbox = [];      // the outbox of the current number, from the server
  var pollTimer = null;
  var idleTimer = null;
  var firstPoll = true;
  var seen = {};        // outbox ids already announced to a screen reader
  // Networks drop a USSD session left waiting this long (typically 2-3 minutes).
  var IDLE_MS = 180000;
  var HOP_TIMEOUT_MS = 15000;

  function phone() { return $("phone-number").value.trim(); }
  function network() { return $("network").value; }

  /* ---- HTTP, as the aggregator does it: form-encoded POSTs ---- */

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    var t0 = performance.now();
    // The aggregator waits about 10-15 s for an answer, then gives up on the hop.
    var abort = new AbortController();
    var timer = setTimeout(function () { abort.abort(); }, HOP_TIMEOUT_MS);
    return fetch(url, {method: "POST", body: body, credentials: "omit", signal: abort.signal,
                       headers: {"Accept": "text/plain, */*"}})
      .then(function (res) {
        return res.text().then(function (text) {
          var entry = {url: url, fields: fields, status: res.status, body: text,
                       ms: Math.round(performance.now() - t0)};
          clearTimeout(timer);
          log(entry);
          return entry;
        });
      })
      .catch(function (err) {
        clearTimeout(timer);
        var why = abort.signal.aborted ? "no answer within " + HOP_TIMEOUT_MS / 1000 + " s"
                                       : String(err);
        var entry = {url: url, fields: fields, status: 0, body: why,
                     ms: Math.round(performance.now() - t0)};
        log(entry);
        return entry;
      });
  }

  function log(entry) {
    var li = document.createElement("li");
    var head = document.createElement("p");
    head.textContent = "POST " + entry.url.split("?")[0] + " \u2192 " +
      (entry.status || "no answer") + " in " + entry.ms + " ms";
    var sentFields = document.createElement("pre");
    sentFields.textContent = Object.keys(entry.fields).map(function (k) {
      return k + "=" + JSON.stringify(entry.fields[k]);
    }).join("\n");
    var reply = document.createElement("pre");
    reply.className = "reply";
    reply.textContent = entry.body;
    li.append(head, sentFields, reply);
    var list = $("log");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 12) list.removeChild(list.lastChild);
  }

  /* ---- USSD ---- */

  function showScreen(text, state) {
    $("screen-text").textContent = text;
    $("bar-state").textContent = state;
    $("screen").dataset.state = state.toLowerCase();
  }

  function showMeta(reply) {
    var m = measure(reply, settings.gsmBasic, settings.gsmExtension);
    var over = m.chars > settings.screenLimit;
    var parts = [m.chars + "/" + settings.screenLimit + " characters" +
                 (over ? " \u2014 over the limit: phones cut it off" : "")];
    if (m.notGsm.length) parts.push("not GSM-7: " + m.notGsm.join(" "));
    parts.push("hop " + ussd.hops);
    $("screen-meta").textContent = parts.join(" \u00b7 ");
    $("screen-meta").classList.toggle("over", over || m.notGsm.length > 0);
  }

  function setActive(active) {
    ussd.active = active;
    clearTimeout(idleTimer);
    if (active) idleTimer = setTimeout(timeout, IDLE_MS);
    $("reply-form").hidden = !active;
    $("ended-keys").hidden = active || ussd.sessionId === null;
    $("retry").disabled = ussd.last === null;
    if (active) { $("reply").value = ""; $("reply").focus(); }
  }

  function dial() {
    var parsed = parseDial($("dial").value, settings.serviceCode);
    $("dial-error").textContent = parsed.error || "";
    if (parsed.error) return;
    if (!phone()) { $("phone-error").textContent = "Give a phone number first."; return; }
    if (ussd.active) endNotice("Incomplete");
    ussd.sessionId = newId("ATUid_sim_");
    ussd.serviceCode = parsed.serviceCode;
    ussd.text = parsed.text;
    ussd.hops = 0;
    ussd.started = Date.now();
    showScreen("USSD code running\u2026", "Running");
    hop();
  }

  function hop() {
    var fields = {sessionId: ussd.sessionId, serviceCode: ussd.serviceCode,
                  phoneNumber: phone(), networkCode: network(), text: ussd.text};
    ussd.last = fields;
    ussd.hops += 1;
    ussd.busy = true;
    return post(settings.ussdUrl, fields).then(answer);
  }

  function answer(entry) {
    ussd.busy = false;
    var body = entry.body;
    $("screen-text").dataset.raw = body;
    if (entry.status === 200 && (body.indexOf("CON ") === 0 || body.indexOf("END ") === 0)) {
      var cont = body.indexOf("CON ") === 0;
      showScreen(body.slice(4), cont ? "Session" : "Ended");
      showMeta(body);
      setActive(cont);
      if (!cont) {
        endNotice("Success");
        $("ok").focus();
      }
      return;
    }
    var why = entry.status === 200 ? "the reply starts with neither CON nor END"
                                   : "HTTP " + (entry.status || "unreachable");
    showScreen("Connection problem or invalid MMI code.\n(" + why + ")", "Failed");
    $("screen-meta").textContent = why + " \u00b7 hop " + ussd.hops + " \u00b7 see below";
    $("screen-meta").classList.add("over");
    setActive(false);
    endNotice("Failed", why);
  }

  function reply(event) {
    event.preventDefault();
    if (!ussd.active || ussd.busy) return;
    var input = $("reply").value;
    if (input === "") { $("reply").focus(); return; }
    ussd.text = ussd.text === "" ? input : ussd.text + "*" + input;
    showScreen("Sending\u2026", "Running");
    hop();
  }

  function retry() {
    if (!ussd.last || ussd.busy) return;
    ussd.busy = true;
    post(settings.ussdUrl, ussd.last).then(function (entry) {
      ussd.busy = false;
      var same = entry.status === 200 && entry.body === $("screen-text").dataset.raw;
      $("screen-meta").textContent = "Repeated hop " + ussd.hops + " (same sessionId and text): " +
        (same ? "the gateway gave the same answer" : "a different answer (HTTP " + entry.status + ")");
    });
  }

  /* Africa's Talking's end-of-session notice; optional for the gateway, so a 404 is fine. */
  function endNotice(status, error) {
    if (!ussd.sessionId || ussd.noticeFor === ussd.sessionId) return;
    ussd.noticeFor = ussd.sessionId;
    var fields = {sessionId: ussd.sessionId, serviceCode: ussd.serviceCode,
                  networkCode: network(), phoneNumber: phone(), status: status,
                  input: ussd.text, hopsCount: String(ussd.hops),
                  durationInMillis: String(Date.now() - ussd.started),
                  date: new Date().toISOString(), errorMessage: error || "",
                  cost: "0", lastAppResponse: $("screen-text").textContent};
    if (settings.channels.ussd) post(settings.ussdEventsUrl, fields);
  }

  function timeout() {
    if (!ussd.active) return;
    endNotice("Incomplete", "session timed out");
    showScreen("Session timed out: the network ends a USSD session left waiting for " +
               IDLE_MS / 60000 + " minutes.", "Ended");
    setActive(false);
  }

  function cancel() {
    if (ussd.active) {
      endNotice("Incomplete");
      showScreen("Session cancelled.", "Ended");
      setActive(false);
    }
  }

  function newSession() {
    cancel();
    ussd.sessionId = null;
    ussd.last = null;
    setActive(false);
    $("screen-meta").textContent = "";
    showScreen("Dial " + settings.serviceCode + " and press Call.", "Idle");
    $("dial").focus();
  }

  /* ---- Keypad: types into the reply while a session runs, else into the dial box ---- */

  function target() { return ussd.active ? $("reply") : $("dial"); }

  function press(key) {
    var input = target();
    input.value += key;
    input.focus();
  }

  function call() {
    if (ussd.active) $("reply-form").requestSubmit();
    else dial();
  }

  /* ---- SMS ---- */

  function sendSms(event) {
    event.preventDefault();
    var text = $("sms-text").value.trim();
    if (!text) { $("sms-text").focus(); return; }
    $("sms-text").value = "";
    countSms();
    textShortCode(text);
  }

  function textShortCode(text) {
    var number = phone();
    var mine = {text: text, at: new Date().toISOString(), status: "sending"};
    (sent[number] = sent[number] || []).push(mine);
    render();
    var now = new Date().toISOString().replace("T", " ").slice(0, 19);
    var fields = {from: number, to: settings.shortCode, text: text, date: now,
                  id: newId("ATXid_sim_"), linkId: newId("sim_"), networkCode: network()};
    return post(settings.smsUrl, fields).then(function (entry) {
      mine.status = entry.status === 200 ? "sent" : "failed (HTTP " + (entry.status || "-") + ")";
      render();
      poll();
    });
  }

  function countSms() {
    var m = measure($("sms-text").value, settings.gsmBasic, settings.gsmExtension);
    var perSms = m.notGsm.length ? 70 : 160;
    var segments = m.septets <= perSms ? 1 : Math.ceil(m.septets / (m.notGsm.length ? 67 : 153));
    $("sms-count").textContent = m.chars + " characters \u00b7 " + segments + " SMS" +
      (m.notGsm.length ? " (not GSM-7: " + m.notGsm.join(" ") + ")" : "");
  }

  function render() {
    var items = (sent[phone()] || []).map(function (m) {
      return {dir: "out", text: m.text, at: m.at, note: m.status, status: m.status};
    }).concat(outbox.map(function (m) {
      var note = m.status === "queued" ? "queued: the worker has not sent it yet" : m.status;
      return {dir: "in", text: m.text, at: m.created_at, status: m.status,
              note: m.purpose + " \u00b7 " + note};
    }));
    items.sort(function (a, b) { return Date.parse(a.at) - Date.parse(b.at); });
    var list = $("thread");
    list.textContent = "";
    items.forEach(function (m) {
      var li = document.createElement("li");
      li.className = "bubble " + m.dir;
      li.dataset.status = m.status || "";
      var body = document.createElement("p");
      body.textContent = m.text;
      var meta = document.createElement("small");
      var when = new Date(m.at);
      meta.textContent = (m.dir === "out" ? "you \u00b7 " : settings.shortCode + " \u00b7 ") +
        when.toLocaleTimeString() + " \u00b7 " + m.note;
      li.append(body, meta);
      list.appendChild(li);
    });
    $("thread-empty").hidden = items.length > 0;
    announce();
    if (items.length) list.lastChild.scrollIntoView({block: "nearest"});
  }

  function announce() {
    var fresh = outbox.filter(function (m) { return !seen[m.id]; });
    outbox.forEach(function (m) { seen[m.id] = true; });
    if (fresh.length) {
      $("sms-announce").textContent = "New SMS from " + settings.shortCode + ": " +
        fresh[fresh.length - 1].text;
    }
  }

  function poll() {
    clearTimeout(pollTimer);
    var number = phone();
    if (!number) return;
    fetch(settings.outboxUrl + "?phone=" + encodeURIComponent(number), {credentials: "omit"})
      .then(function (res) { return res.json().then(function (data) { return [res, data]; }); })
      .then(function (pair) {
        var res = pair[0], data = pair[1];
        if (number !== phone()) return;
        $("phone-error").textContent = res.ok ? "" : data.message;
        if (res.ok && data.phone !== number && document.activeElement !== $("phone-number")) {
          // Africa's Talking always sends E.164 (+255...): show the number as it will be sent.
          sent[data.phone] = (sent[data.phone] || []).concat(sent[number] || []);
          delete sent[number];
          $("phone-number").value = data.phone;
        }
        var fresh = res.ok ? data.messages : [];
        if (firstPoll) {  // what was there before is history, not news
          fresh.forEach(function (m) { seen[m.id] = true; });
          firstPoll = false;
        }
        if (JSON.stringify(fresh) !== JSON.stringify(outbox)) { outbox = fresh; render(); }
        if (res.ok && data.language && document.activeElement !== $("language")) {
          $("language").value = data.language;
        }
      })
      .catch(function () { /* the server is restarting: try again on the next tick */ })
      .then(function () {
        pollTimer = setTimeout(poll, document.hidden ? 10000 : 1500);
      });
  }

  function changeLanguage() {
    textShortCode("LUGHA " + $("language").value.toUpperCase());
  }

  function changePhone() {
    outbox = [];
    seen = {};
    firstPoll = true;
    newSession();
    render();
    poll();
  }

  function init() {
    $("bar-network").textContent = $("network").selectedOptions[0].textContent.split(" (")[0];
    $("network").addEventListener("change", function () {
      $("bar-network").textContent = $("network").selectedOptions[0].textContent.split(" (")[0];
    });
    $("dial-form").addEventListener("submit", function (e) { e.preventDefault(); dial(); });
    $("reply-form").addEventListener("submit", reply);
    $("reply").addEventListener("keydown", function (e) { if (e.key === "Escape") cancel(); });
    $("cancel").addEventListener("click", cancel);
    $("ok").addEventListener("click", newSession);
    $("new-session").addEventListener("click", newSession);
    $("retry").addEventListener("click", retry);
    $("key-call").addEventListener("click", call);
    $("key-end").addEventListener("click", function () { ussd.active ? cancel() : newSession(); });
    $("key-back").addEventListener("click", function () {
      var input = target();
      input.value = input.value.slice(0, -1);
      input.focus();
    });
    document.querySelectorAll("[data-key]").forEach(function (b) {
      b.addEventListener("click", function () { press(b.dataset.key); });
    });
    document.querySelectorAll("[data-dial]").forEach(function (b) {
      b.addEventListener("click", function () { $("dial").value = b.dataset.dial; dial(); });
    });
    $("phone-number").addEventListener("change", changePhone);
    $("language").addEventListener("change", changeLanguage);
    $("sms-form").addEventListener("submit", sendSms);
    $("sms-text").addEventListener("input", countSms);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
    countSms();
    render();
    poll();
  }

  init();
})();
