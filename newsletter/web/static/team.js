// The team's workspace (issue 9): small improvements on pages that work without JavaScript.
// - a live character count for the subject and preheader (what inbox previews show);
// - the preview's width buttons scroll to that frame;
// - cancelling a send asks once more.
(function () {
  "use strict";

  function liveCount(input) {
    var out = document.getElementById(input.getAttribute("aria-describedby"));
    if (!out || !out.dataset.template) { return; }
    var shown = parseInt(input.dataset.count, 10);
    function update() {
      var n = Array.from(input.value).length;
      out.textContent = out.dataset.template.replace("{n}", String(n));
      out.classList.toggle("over", n > shown);
    }
    input.addEventListener("input", update);
    update();
  }

  function confirmForms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-count]").forEach(liveCount);
    confirmForms();
  });
})();
