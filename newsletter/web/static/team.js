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

// Social posts (issue 10 §2): a live count per network while the text is typed. The server's
// count decides (it is shown after saving); this follows the same rules for the common case:
// a link counts 23 on X and Mastodon and is shown short on Bluesky, which counts graphemes.
(function () {
  "use strict";

  var URL = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'’]/g;
  var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  var EMOJI = /\p{Extended_Pictographic}/u;

  function graphemes(text) {
    return segmenter ? Array.from(segmenter.segment(text), function (s) { return s.segment; }) : Array.from(text);
  }

  function light(cp) {  // X counts these as 1, everything else as 2
    return cp <= 0x10ff || (cp >= 0x2000 && cp <= 0x200d) || (cp >= 0x2010 && cp <= 0x201f) ||
      (cp >= 0x2032 && cp <= 0x2037);
  }

  function xCount(text) {
    var n = 0;
    graphemes(text).forEach(function (g) {
      if (EMOJI.test(g)) { n += 2; return; }
      Array.from(g).forEach(function (c) { n += light(c.codePointAt(0)) ? 1 : 2; });
    });
    return n;
  }

  function shortLink(url) {  // what Bluesky shows: no scheme, no www., at most 30 graphemes
    var shown = url.replace(/^https?:\/\//, "").replace(/^www\./, "").replace(/^([^/?#]+)\/$/, "$1");
    var parts = graphemes(shown);
    return parts.length <= 30 ? shown : parts.slice(0, 29).join("") + "…";
  }

  var RULES = {
    x: function (t) { return xCount(t.replace(URL, "")) + 23 * (t.match(URL) || []).length; },
    mastodon: function (t) { return Array.from(t.replace(URL, "x".repeat(23))).length; },
    bluesky: function (t) { return graphemes(t.replace(URL, shortLink)).length; },
    linkedin: function (t) { return t.length; },  // UTF-16 units
    facebook: function (t) { return Array.from(t).length; }
  };

  function postCount(area) {
    var out = document.getElementById(area.getAttribute("aria-describedby"));
    var rule = RULES[area.dataset.network];
    var limit = parseInt(area.dataset.limit, 10);
    if (!out || !rule || !out.dataset.template) { return; }
    area.addEventListener("input", function () {
      var n = rule(area.value.replace(/\r\n/g, "\n").trim());
      out.textContent = out.dataset.template.replace("{n}", String(n));
      out.classList.toggle("over", n > limit);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-network]").forEach(postCount);
    // after saving, the page comes back at #post-N: open that post
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  });
})();
