/* Audit page: GET /vigie/api/audit?limit=N, newest first. */
(function () {
  'use strict';
  var body = document.querySelector('#audit tbody');
  var msg = document.getElementById('message');

  var LABELS = ['Time', 'What', 'Path', 'Status', 'User', 'Role', 'From'];

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    td.setAttribute('data-label', LABELS[tr.children.length]);
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  function load() {
    var limit = document.getElementById('limit').value;
    return vigie.api('GET', 'api/audit?limit=' + encodeURIComponent(limit)).then(function (j) {
      msg.hidden = true;
      while (body.firstChild) body.removeChild(body.firstChild);
      j.records.forEach(function (r) {
        var tr = document.createElement('tr');
        cell(tr, vigie.time(r.time), 'num nowrap');
        cell(tr, r.event || r.method, r.event === 'sign-in failed' ? 'bad nowrap' : 'nowrap');
        cell(tr, r.event ? r.method + ' ' + r.path : r.path, 'wrap mono');
        cell(tr, String(r.status), r.status >= 400 ? 'bad num' : 'num');
        cell(tr, r.user || '—');
        cell(tr, r.role || '—');
        cell(tr, r.addr, 'mono');
        body.appendChild(tr);
      });
      document.getElementById('count').textContent = j.records.length + ' record(s)';
    }).catch(function (e) {
      msg.textContent = 'Could not load the audit log: ' + e.message;
      msg.hidden = false;
    });
  }

  vigie.nav();
  document.getElementById('refresh').addEventListener('click', load);
  document.getElementById('limit').addEventListener('change', load);
  load();
})();
