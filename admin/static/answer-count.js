// The answer form's live SMS count. The page works without it: the server counts
// again on every POST and refuses what cannot go out whole. Alphabet, fold table and
// the SMS around the answer come from the page (core.gsm, core.rights): one rule.
(function () {
  "use strict";
  var out = document.getElementById("sms-count");
  var box = document.querySelector("#answer textarea[name=text]");
  if (!out || !box) { return; }
  var d = out.dataset;
  var fold = JSON.parse(d.fold);
  var max = Number(d.max);

  function folded(text) {
    var words = text.trim().split(/\s+/).join(" ");
    return Array.from(words).map(function (c) {
      return Object.prototype.hasOwnProperty.call(fold, c) ? fold[c] : c;
    }).join("");
  }

  function cost(text) {
    var septets = Number(d.wrapperSeptets);
    var gsm = Array.from(text).every(function (c) {
      if (d.basic.indexOf(c) >= 0) { septets += 1; return true; }
      if (d.ext.indexOf(c) >= 0) { septets += 2; return true; }
      return false;
    });
    if (gsm) {
      return { enc: "GSM-7", n: septets <= 160 ? 1 : Math.ceil(septets / 153) };
    }
    var units = Number(d.wrapperChars) + text.length;  // UTF-16 code units, as UCS-2 counts
    return { enc: "UCS-2", n: units <= 70 ? 1 : Math.ceil(units / 67) };
  }

  function show() {
    var text = folded(box.value);
    if (!text) { return; }
    var c = cost(text);
    var template = c.n > max ? d.over : d.count;
    out.textContent = template.replace("%(n)s", c.n).replace("%(enc)s", c.enc)
      .replace("%(max)s", max);
    out.classList.toggle("error", c.n > max);
  }

  box.addEventListener("input", show);
  show();
}());
