/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }
  /* The transfer picker: hide the institutions none of whose names hold every typed word. */
  function picker(input) {
    var box = document.querySelector("[data-picker]");
    if (!box) return;
    var none = box.querySelector("[data-picker-none]");
    function filter() {
      var words = fold(input.value).split(" ").filter(Boolean);
      var shown = 0;
      box.querySelectorAll("[data-group]").forEach(function (group) {
        var inGroup = 0;
        group.querySelectorAll("label[data-names]").forEach(function (label) {
          var names = label.getAttribute("data-names");
          var ok = words.every(function (w) { return names.indexOf(w) !== -1; });
          label.hidden = !ok;
          if (ok) inGroup += 1;
        });
        group.hidden = inGroup === 0;
        shown += inGroup;
      });
      if (none) none.hidden = shown !== 0;
    }
    input.addEventListener("input", filter);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {  /* with the live filter, Enter picks the first match */
        var first = box.querySelector("label[data-names]:not([hidden]) input");
        if (first) { e.preventDefault(); first.checked = true; first.focus(); }
      }
    });
    filter();
  }
  var input = document.querySelector("[data-picker-input]");
  if (input) picker(input);
}());
