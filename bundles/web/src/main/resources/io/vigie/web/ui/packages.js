/*
 * Packages page: GET /vigie/api/packages (installed packages, health watches with their countdown, last verdicts),
 * POST it (multipart upload with progress, or {"url"} for the gateway to download), DELETE /packages/<name>.
 * Errors are shown as the server words them.
 */
(function () {
  'use strict';
  var show = vigieOps.show, el = vigieOps.el, when = vigieOps.when;
  var API = 'api/packages';
  var msg = document.getElementById('message');
  var info = document.getElementById('info');
  var watchBox = document.getElementById('watches');
  var body = document.querySelector('#packages tbody');
  var state = { fetchedAt: 0, watches: [] };
  var timer = null;

  function seconds(ms) {
    return Math.max(0, Math.ceil(ms / 1000)) + ' s';
  }

  function verdictCell(last) {
    var td = el('td');
    if (!last) {
      td.appendChild(el('span', 'muted', '—'));
      return td;
    }
    var healthy = last.state === 'HEALTHY';
    var label = healthy ? 'healthy' : last.state === 'ROLLED_BACK' ? 'rolled back' : 'rollback failed';
    var v = el('span', 'verdict badge ' + (healthy ? 'ok' : 'bad'), label);
    v.setAttribute('data-state', last.state);
    td.appendChild(v);
    td.appendChild(document.createTextNode(' ' + (last.version || '') +
        (last.restoredVersion ? ' → restored ' + last.restoredVersion : '') +
        (last.uninstalled ? ' → uninstalled' : '')));
    td.appendChild(el('span', 'reason', last.reason || ''));
    if (last.rollbackError) td.appendChild(el('span', 'reason bad', last.rollbackError));
    if (last.at) td.appendChild(el('span', 'reason num', when(last.at)));
    return td;
  }

  function render(j) {
    document.getElementById('unsigned').hidden = j.signatureRequired !== false;
    while (body.firstChild) body.removeChild(body.firstChild);
    var last = (j.health && j.health.last) || {};
    j.packages.forEach(function (p) {
      var tr = el('tr');
      tr.setAttribute('data-name', p.name);
      tr.appendChild(el('td', 'mono', p.name));
      tr.appendChild(el('td', 'mono', p.version));
      var bundles = el('td', 'mono bundles', p.bundles.map(function (b) { return b.symbolicName + ' ' + b.version; })
          .join('\n'));
      tr.appendChild(bundles);
      tr.appendChild(verdictCell(last[p.name]));
      var act = el('td', 'admin-only');
      var del = el('button', 'danger', 'Uninstall');
      del.type = 'button';
      del.addEventListener('click', function () { uninstall(p.name, del); });
      act.appendChild(del);
      tr.appendChild(act);
      body.appendChild(tr);
    });
    // verdicts of packages no longer installed (a first install rolled back = uninstalled)
    Object.keys(last).forEach(function (name) {
      if (j.packages.some(function (p) { return p.name === name; })) return;
      var tr = el('tr');
      tr.setAttribute('data-name', name);
      tr.appendChild(el('td', 'mono', name));
      tr.appendChild(el('td', 'muted', 'not installed'));
      tr.appendChild(el('td', 'muted', ''));
      tr.appendChild(verdictCell(last[name]));
      tr.appendChild(el('td', 'admin-only'));
      body.appendChild(tr);
    });
    if (!body.firstChild) {
      var tr = el('tr');
      var td = el('td', 'muted', 'No package installed.');
      td.colSpan = 5;
      tr.appendChild(td);
      body.appendChild(tr);
    }
    state.watches = (j.health && j.health.watches) || [];
    state.fetchedAt = Date.now();
    drawWatches();
  }

  function drawWatches() {
    while (watchBox.firstChild) watchBox.removeChild(watchBox.firstChild);
    var spent = Date.now() - state.fetchedAt;
    state.watches.forEach(function (w) {
      var c = el('div', 'card watch');
      c.setAttribute('data-name', w.name);
      c.appendChild(el('h2', '', 'Health check running: ' + w.name + ' ' + w.version));
      var judging = w.phase === 'judging';
      var left = w.remainingMs - spent;
      var cd = el('div', 'countdown', seconds(left));
      cd.id = 'countdown-' + w.name;
      c.appendChild(cd);
      c.appendChild(el('p', '', judging
          ? 'Model ' + w.model + ' is serving: judged in ' + seconds(left) + '.'
          : 'Waiting for model ' + w.model + ' to serve its first frame (' + seconds(left) +
            ' left), then a window of ' + seconds(w.windowMs) + ' (verdict at the latest in ' +
            seconds(w.maxRemainingMs - spent) + ').'));
      c.appendChild(el('p', 'muted', 'Checks: ' + w.checks + '. A failure rolls the package back.'));
      watchBox.appendChild(c);
    });
  }

  function load() {
    return vigie.api('GET', API).then(function (j) {
      show(msg, '');
      render(j);
    }).catch(function (e) {
      show(msg, 'Could not load the packages: ' + e.message);
    }).then(schedule);
  }

  /** Every second while a watch runs (the countdown), else every 5 s. */
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(load, state.watches.length ? 1000 : 5000);
  }

  setInterval(function () { if (state.watches.length) drawWatches(); }, 250);

  function installed(j) {
    show(msg, '');
    show(info, j.unchanged ? j.installed + ' ' + j.version + ' was already installed: nothing done.'
        : 'Installed ' + j.installed + ' ' + j.version + (j.healthCheck === 'watching'
          ? ': its model is under a health check now.' : '.'));
    return load();
  }

  function uninstall(name, button) {
    if (!confirm('Uninstall ' + name + '?')) return;
    button.disabled = true;
    vigie.api('DELETE', API + '/' + encodeURIComponent(name)).then(function () {
      show(info, 'Uninstalled ' + name + '.');
      return load();
    }).catch(function (e) {
      show(info, '');
      show(msg, 'Uninstall of ' + name + ' refused: ' + e.message);
      button.disabled = false;
    });
  }

  /** XHR, not fetch: only XHR reports upload progress. The CSRF token comes from the session. */
  function upload(ev) {
    ev.preventDefault();
    var file = document.getElementById('dp').files[0];
    if (!file) return;
    var bar = document.getElementById('up-progress');
    var st = document.getElementById('up-state');
    var go = document.getElementById('up-go');
    var form = new FormData();
    var sha = document.getElementById('up-sha').value.trim();
    if (sha) form.append('sha256', sha);
    var sig = document.getElementById('up-sig').files[0];
    if (sig) form.append('signature', sig, sig.name);
    form.append('package', file, file.name);
    go.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    show(info, '');
    show(msg, '');
    vigie.session.then(function (s) {
      var x = new XMLHttpRequest();
      x.open('POST', vigie.base + API);
      if (s && s.csrf) x.setRequestHeader('X-CSRF-Token', s.csrf);
      x.setRequestHeader('Accept', 'application/json');
      x.upload.onprogress = function (e) {
        if (!e.lengthComputable) return;
        bar.value = Math.round(100 * e.loaded / e.total);
        st.textContent = 'Uploading ' + file.name + ': ' + bar.value + ' % of ' + Math.ceil(e.total / 1024) + ' KB';
      };
      x.upload.onload = function () {
        bar.value = 100;
        st.textContent = 'Uploaded; the gateway checks and installs ' + file.name + '…';
      };
      x.onload = function () {
        var j = null;
        try { j = JSON.parse(x.responseText); } catch (e) { j = null; }
        go.disabled = false;
        if (x.status === 401) { location.assign(vigie.signInUrl()); return; }
        if (x.status >= 200 && x.status < 300 && j) {
          st.textContent = '';
          bar.hidden = true;
          document.getElementById('upload').reset();
          installed(j);
        } else {
          st.textContent = '';
          show(msg, 'Install refused: ' + ((j && j.error) || ('HTTP ' + x.status)));
        }
      };
      x.onerror = function () {
        go.disabled = false;
        st.textContent = '';
        show(msg, 'Upload failed: the connection to the gateway was lost');
      };
      x.send(form);
    });
  }

  function fromUrl(ev) {
    ev.preventDefault();
    var go = document.getElementById('url-go');
    var st = document.getElementById('url-state');
    var req = { url: document.getElementById('url').value.trim() };
    var sha = document.getElementById('url-sha').value.trim();
    var sig = document.getElementById('url-sig').value.trim();
    if (sha) req.sha256 = sha;
    if (sig) req.signatureUrl = sig;
    go.disabled = true;
    show(info, '');
    show(msg, '');
    st.textContent = 'The gateway downloads and checks the package…';
    vigie.api('POST', API, req).then(function (j) {
      document.getElementById('fromurl').reset();
      return installed(j);
    }).catch(function (e) {
      show(msg, 'Install refused: ' + e.message);
    }).then(function () {
      go.disabled = false;
      st.textContent = '';
    });
  }

  vigie.nav();
  document.getElementById('upload').addEventListener('submit', upload);
  document.getElementById('fromurl').addEventListener('submit', fromUrl);
  load();
})();
