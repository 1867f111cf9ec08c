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

  // The sending page follows the delivery without a reload (its JSON twin, every 3 s).
  function followSending(panel) {
    function set(selector, value) {
      var el = panel.querySelector(selector);
      if (el) { el.textContent = String(value); }
    }
    function poll() {
      fetch(panel.dataset.source, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          ["sent", "failed", "bounced", "unknown", "skipped"].forEach(function (k) {
            set('[data-count="' + k + '"]', data.counts[k]);
          });
          set('[data-count="waiting"]', data.waiting);
          set('[data-field="sent"]', data.counts.sent);
          set('[data-field="total"]', data.total);
          set('[data-field="next"]', data.next_due ? panel.dataset.nextLabel + ": " + data.next_due : "");
          var bar = panel.querySelector('[data-field="bar"]');
          if (bar) { bar.max = data.total; bar.value = data.total - data.waiting; }
          if (data.finished) { set('[data-field="state"]', panel.dataset.finishedLabel); return; }
          window.setTimeout(poll, 3000);
        })
        .catch(function () { window.setTimeout(poll, 10000); });
    }
    window.setTimeout(poll, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-count]").forEach(liveCount);
    document.querySelectorAll("#sending[data-source]").forEach(followSending);
    confirmForms();
  });
})();
