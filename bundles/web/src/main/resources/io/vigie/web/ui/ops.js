/* DOM helpers shared by the packages, events and zones pages (window.vigieOps); app.js owns the rest. */
(function () {
  'use strict';
  window.vigieOps = {
    /** A new element with a class and text (textContent: server text is never parsed as HTML). */
    el: function (tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text !== undefined) e.textContent = text;
      return e;
    },
    /** Shows a message box with this text, hides it when the text is empty. */
    show: function (box, text) {
      box.textContent = text;
      box.hidden = !text;
    },
    /** Epoch ms as every page shows a time (vigie.time; '' for none). */
    when: function (ms) {
      return ms ? vigie.time(ms) : '';
    }
  };
})();
