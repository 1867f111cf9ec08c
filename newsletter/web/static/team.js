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

// The issue page (issue 9 §3): the card forms (take in/out, up/down, pin, edit, move to a
// section) are sent with fetch instead of a full page load, and a card can be dragged by its
// grip to another place or section. Every rule stays on the server: the script posts the same
// form (with its CSRF field), follows the redirect to the issue page and swaps in the parts of
// that page an edit changes. If the answer is not the issue page, it shows what the server said.
(function () {
  "use strict";

  var PARTS = ["#issue-head", "#cards", "#flash", "#history"];
  var busy = false;

  function adopt(node) { return document.adoptNode(node); }

  function formKey(form) {  // which of a card's forms this is, to give the focus back after a swap
    var direction = form.querySelector("input[name=direction]");
    return form.getAttribute("action").split("/").pop() + ":" + (direction ? direction.value : "");
  }

  function restoreFocus(itemId, key) {
    var card = document.getElementById("item-" + itemId);
    if (!card) { return; }
    var same = Array.from(card.querySelectorAll("form")).filter(function (f) { return formKey(f) === key; });
    var button = same.length ? same[0].querySelector("button:not([disabled])") : null;
    (button || card.querySelector(".tools button:not([disabled])") || card).focus();
  }

  // text typed into a card's open edit form and not saved yet, except in the form just sent:
  // the swap replaces the cards, and the typing must not go with them
  function unsaved(sent) {
    return Array.from(document.querySelectorAll("#cards details[open] form")).filter(function (f) {
      return f !== sent;
    }).flatMap(function (f) {
      return Array.from(f.querySelectorAll("input[type=text], textarea")).filter(function (field) {
        return field.name && field.value !== field.defaultValue;
      }).map(function (field) {
        return {card: f.closest("article.card").id, action: f.getAttribute("action"), name: field.name,
                value: field.value};
      });
    });
  }

  function putBack(typed) {
    typed.forEach(function (t) {
      var card = document.getElementById(t.card);
      var form = card && Array.from(card.querySelectorAll("form")).filter(function (f) {
        return f.getAttribute("action") === t.action;
      })[0];
      var field = form && form.elements.namedItem(t.name);
      if (field) { field.value = t.value; }
    });
  }

  function swap(doc, sent) {
    var cards = doc.querySelector("#cards");
    if (!cards) { return false; }
    var open = Array.from(document.querySelectorAll("#cards details[open]")).map(function (d) {
      return d.closest("article.card").id;
    });
    var typed = unsaved(sent);
    PARTS.forEach(function (selector) {
      var now = document.querySelector(selector);
      var fresh = doc.querySelector(selector);
      if (!now || !fresh) { return; }
      // the message's slot stays (a live region), so a screen reader reads the new message
      if (selector === "#flash") { now.replaceChildren.apply(now, Array.from(fresh.childNodes).map(adopt)); }
      else { now.replaceWith(adopt(fresh)); }
    });
    open.forEach(function (id) {
      var details = document.querySelector("#" + id + " details");
      if (details) { details.open = true; }
    });
    putBack(typed);
    showGrips();
    return true;
  }

  function showServerPage(doc, url) {  // e.g. "the form has expired" or a 404: as without JavaScript
    var main = doc.querySelector("main");
    if (!main) { window.location.assign(url); return; }
    document.querySelector("main").replaceWith(adopt(main));
    window.scrollTo(0, 0);
  }

  function send(form, extra) {
    if (busy) { return; }
    busy = true;
    var data = new FormData(form);
    Object.keys(extra || {}).forEach(function (k) { data.set(k, extra[k]); });
    var card = form.closest("article.card");
    var itemId = card ? card.dataset.item : null;
    var key = formKey(form);
    var cards = document.getElementById("cards");
    cards.setAttribute("aria-busy", "true");
    fetch(form.action, {method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
                        headers: {"Accept": "text/html"}})
      .then(function (answer) {
        return answer.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          if (!answer.ok || !swap(doc, form)) { showServerPage(doc, answer.url); return; }
          if (itemId) { restoreFocus(itemId, key); }
        });
      }, function () { form.submit(); })  // no answer at all: let the browser send it and say why
      .then(function () {
        busy = false;
        var now = document.getElementById("cards");
        if (now) { now.removeAttribute("aria-busy"); }
      });
  }

  function onSubmit(event) {
    var form = event.target;
    if (event.defaultPrevented || !form.closest || !form.closest("#cards") || form.method.toLowerCase() !== "post") { return; }
    event.preventDefault();
    send(form);
  }

  // --- drag to reorder (pointer events: mouse, pen and touch alike) ----------------------------

  function showGrips() {
    document.querySelectorAll("#cards[data-reorder] .grip").forEach(function (g) { g.hidden = false; });
  }

  function othersIn(section, card) {
    return Array.from(section.querySelectorAll("article.card")).filter(function (c) { return c !== card; });
  }

  function startDrag(event) {
    var grip = event.target.closest && event.target.closest("#cards[data-reorder] .grip");
    if (!grip || event.button !== 0 || busy) { return; }
    event.preventDefault();
    var card = grip.closest("article.card");
    var home = card.closest("section[data-section]");
    var startIndex = othersIn(home, card).filter(function (c) {
      return c.compareDocumentPosition(card) & Node.DOCUMENT_POSITION_FOLLOWING;
    }).length;
    var line = document.createElement("div");
    line.className = "drop-line";
    var target = null;
    card.classList.add("dragging");
    grip.setPointerCapture(event.pointerId);

    function over(e) {
      if (e.clientY < 40) { window.scrollBy(0, -20); } else if (e.clientY > window.innerHeight - 40) { window.scrollBy(0, 20); }
      var under = document.elementFromPoint(e.clientX, e.clientY);
      var section = under && under.closest("#cards section[data-section]");
      if (!section) { line.remove(); target = null; return; }
      var others = othersIn(section, card);
      var index = others.findIndex(function (c) {
        var box = c.getBoundingClientRect();
        return e.clientY < box.top + box.height / 2;
      });
      if (index < 0) { index = others.length; }
      if (index < others.length) { others[index].before(line); }
      else if (others.length) { others[others.length - 1].after(line); }
      else { section.appendChild(line); }
      target = {section: section.dataset.section, position: index};
    }

    function end(e) {
      grip.removeEventListener("pointermove", over);
      grip.removeEventListener("pointerup", end);
      grip.removeEventListener("pointercancel", end);
      line.remove();
      card.classList.remove("dragging");
      if (e.type !== "pointerup" || !target) { return; }
      if (target.section === home.dataset.section && target.position === startIndex) { return; }
      var select = card.querySelector("form[action$='/move'] select[name=section]");  // the card's "Flyt" form
      if (select) { send(select.form, {section: target.section, position: String(target.position)}); }
    }

    grip.addEventListener("pointermove", over);
    grip.addEventListener("pointerup", end);
    grip.addEventListener("pointercancel", end);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.getElementById("cards") || !window.fetch || !window.DOMParser) { return; }
    document.addEventListener("submit", onSubmit);
    document.addEventListener("pointerdown", startDrag);
    showGrips();
  });
})();
