/*
 * Events page: GET /vigie/api/intrusions?zone=&since=&until=&limit= (newest first, each with its snapshot URL);
 * live additions through the SSE stream /vigie/events ("intrusion" events): a START reloads the list (twice: the
 * snapshot is taken from the next frame, a moment after the event).
 */
(function () {
  'use strict';
  var el = vigieOps.el, when = vigieOps.when;
  var body = document.querySelector('#events tbody');
  var msg = document.getElementById('message');
  var zoneSel = document.getElementById('zone');
  var live = document.getElementById('live-state');
  var seen = {};
  var first = true;

  /** datetime-local (the browser's local time) -> epoch ms, or '' */
  function epoch(id) {
    var v = document.getElementById(id).value;
    if (!v) return '';
    var t = new Date(v).getTime();
    return isNaN(t) ? '' : String(t);
  }

  function query() {
    var q = [];
    if (zoneSel.value) q.push('zone=' + encodeURIComponent(zoneSel.value));
    if (epoch('since')) q.push('since=' + epoch('since'));
    if (epoch('until')) q.push('until=' + epoch('until'));
    q.push('limit=' + encodeURIComponent(document.getElementById('limit').value));
    return 'api/intrusions?' + q.join('&');
  }

  function addZone(name) {
    if (!name) return;
    for (var i = 0; i < zoneSel.options.length; i++) if (zoneSel.options[i].value === name) return;
    zoneSel.appendChild(el('option', '', name)).value = name;
  }

  function row(r) {
    var tr = el('tr');
    tr.setAttribute('data-id', r.id);
    if (!first && !seen[r.id]) tr.className = 'fresh';
    var td = el('td', 'thumb');
    if (r.thumb) {
      var a = el('a');
      a.href = r.thumb;
      a.target = '_blank';
      var img = el('img');
      img.src = r.thumb;
      img.alt = 'Snapshot of intrusion ' + r.id + ' in ' + r.zone;
      img.loading = 'lazy';
      img.width = 240;
      a.appendChild(img);
      td.appendChild(a);
    } else {
      td.appendChild(el('span', 'muted', r.endMs ? 'no snapshot' : 'taking snapshot…'));
    }
    tr.appendChild(td);
    tr.appendChild(el('td', 'mono', r.zone));
    tr.appendChild(el('td', 'num', when(r.startMs)));
    tr.appendChild(r.endMs ? el('td', 'num', when(r.endMs)) : el('td', 'bad', 'ongoing'));
    tr.appendChild(el('td', 'num', String(r.persons)));
    tr.appendChild(el('td', 'mono', r.model || '—'));
    return tr;
  }

  function load() {
    return vigie.api('GET', query()).then(function (j) {
      msg.hidden = true;
      while (body.firstChild) body.removeChild(body.firstChild);
      j.intrusions.forEach(function (r) {
        addZone(r.zone);
        body.appendChild(row(r));
      });
      j.intrusions.forEach(function (r) { seen[r.id] = true; });
      first = false;
      if (!j.intrusions.length) {
        var tr = el('tr');
        var td = el('td', 'muted', 'No intrusion matches.');
        td.colSpan = 6;
        tr.appendChild(td);
        body.appendChild(tr);
      }
      document.getElementById('count').textContent = j.count + ' intrusion(s)' +
          (j.count >= j.limit ? ' (the newest ' + j.limit + ')' : '');
    }).catch(function (e) {
      msg.textContent = e.message;
      msg.hidden = false;
    });
  }

  function zones() { // the detector's zones, for the filter before any intrusion happened
    return vigie.api('GET', 'api/status').then(function (s) {
      (s.zones || []).forEach(function (z) { addZone(z.name); });
    }).catch(function () { return null; });
  }

  var pending = null;
  function soon() {
    clearTimeout(pending);
    pending = setTimeout(function () {
      load();
      pending = setTimeout(load, 2000); // the snapshot comes from the next frame
    }, 300);
  }

  function connect() {
    var es = new EventSource(vigie.base + 'events');
    es.addEventListener('open', function () {
      live.textContent = 'live';
      live.className = 'badge ok';
    });
    es.addEventListener('intrusion', function (e) {
      var d = null;
      try { d = JSON.parse(e.data); } catch (x) { return; }
      addZone(d.zone);
      if (!epoch('until')) soon(); // a fixed end time: new events are outside the range anyway
    });
    es.addEventListener('error', function () {
      live.textContent = 'live: reconnecting';
      live.className = 'badge warn';
    });
  }

  vigie.nav();
  document.getElementById('filter').addEventListener('submit', function (e) {
    e.preventDefault();
    load();
  });
  document.getElementById('clear').addEventListener('click', function () {
    document.getElementById('since').value = '';
    document.getElementById('until').value = '';
    zoneSel.value = '';
    load();
  });
  zoneSel.addEventListener('change', load);
  zones().then(load);
  connect();
})();
