/*
 * Models page: /vigie/api/models/catalog (identity, size, AP when packaged, card, the active one) and, for admins,
 * the FP32 <-> INT8 switch: PATCH /vigie/api/settings {"model.precision": ...}, then the SSE "model" event gives
 * the measured swap time and /vigie/api/history's swap mark the frames lost (the continuity).
 */
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var catalog = null;
  var pending = null; // {precision, started} while a switch is under way

  vigie.nav();

  function cell(tr, label, text, cls) {
    var td = document.createElement('td');
    td.setAttribute('data-label', label);
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function show(id, text) {
    $(id).textContent = text;
    $(id).hidden = !text;
  }

  function render() {
    var body = $('models').tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    var cards = $('cards');
    while (cards.firstChild) cards.removeChild(cards.firstChild);
    catalog.models.forEach(function (m) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-precision', m.precision);
      cell(tr, 'Model', m.name);
      cell(tr, 'Precision', m.precision);
      cell(tr, 'Version', m.version);
      var sha = cell(tr, 'sha256', m.sha256.substring(0, 16) + '…', 'mono');
      sha.title = m.sha256;
      cell(tr, 'Size', m.sizeBytes === null ? '–' : (m.sizeBytes / 1048576).toFixed(1) + ' MB', 'num');
      cell(tr, 'AP', m.ap === null ? 'not in the package' : String(m.ap), m.ap === null ? 'muted' : 'num');
      var state = cell(tr, 'State', m.active ? 'active' : 'standby');
      state.className = m.active ? 'ok' : 'muted';
      if (m.active) state.id = 'active-state';
      body.appendChild(tr);
      if (m.card) {
        var d = document.createElement('details');
        d.className = 'card';
        var s = document.createElement('summary');
        s.textContent = 'Model card: ' + m.name + ' ' + m.precision;
        var pre = document.createElement('pre');
        pre.className = 'mono';
        pre.style.whiteSpace = 'pre-wrap';
        pre.textContent = m.card;
        d.appendChild(s);
        d.appendChild(pre);
        cards.appendChild(d);
      }
    });
    var target = other();
    var b = $('switch');
    b.textContent = target ? 'Switch to ' + target : 'No other model';
    b.disabled = !target || pending !== null;
  }

  /** The precision to switch to: the other one available (FP32 <-> INT8). */
  function other() {
    if (!catalog || !catalog.active) return null;
    var found = null;
    catalog.models.forEach(function (m) {
      if (m.precision !== catalog.active.precision && !found) found = m.precision;
    });
    return found;
  }

  function load() {
    return vigie.api('GET', 'api/models/catalog').then(function (c) {
      catalog = c;
      render();
    }).catch(function (e) { show('error', e.message); });
  }

  $('switch').addEventListener('click', function () {
    var target = other();
    if (!target) return;
    show('error', '');
    pending = { precision: target, started: Date.now() };
    $('switch').disabled = true;
    show('message', 'Switching to ' + target + '…');
    vigie.api('PATCH', 'api/settings', { 'model.precision': target }).catch(function (e) {
      pending = null;
      show('message', '');
      show('error', e.message);
      load();
    });
  });

  var es = new EventSource(vigie.base + 'events');
  es.addEventListener('model', function (e) {
    var m = JSON.parse(e.data);
    if (m.error) {
      show('error', m.error);
      pending = null;
      load();
      return;
    }
    var done = pending && m.model && m.model.precision === pending.precision && m.swapMs !== null;
    load();
    if (!done) return;
    var text = 'Now on ' + m.model.name + ' ' + m.model.precision + ': swap ' + Math.round(m.swapMs) +
      ' ms (request to its first frame, #' + m.sequence + ')';
    show('message', text + '; frames lost: counting…');
    pending = null;
    continuity(m.sequence, text, 0);
  });

  /** The frames lost around the swap, from the history's swap mark once its first frame reached the web sink. */
  function continuity(sequence, text, tries) {
    vigie.api('GET', 'api/history?seconds=60').then(function (h) {
      var mark = h.marks.filter(function (k) { return k.kind === 'swap' && k.sequence === sequence; })[0];
      if (mark && mark.framesLost !== null) {
        show('message', text + '; frames lost: ' + mark.framesLost);
        $('message').setAttribute('data-frames-lost', String(mark.framesLost));
      } else if (tries < 15) {
        setTimeout(function () { continuity(sequence, text, tries + 1); }, 1000);
      } else {
        show('message', text + '; frames lost: unknown (the swap is no longer in the history)');
      }
    });
  }

  load();
})();
