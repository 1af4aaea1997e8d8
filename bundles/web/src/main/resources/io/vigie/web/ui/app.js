/*
 * Vigie dashboard: what every page shares (window.vigie). Served at /vigie/ui/app.js; see docs/DASHBOARD.md.
 *   vigie.api(method, path, body?) -> Promise of the parsed JSON answer (null when empty). path: 'api/status'
 *       (relative to /vigie/) or '/vigie/api/status'. body: an object (sent as JSON), or FormData / Blob /
 *       ArrayBuffer (sent as is). Adds the session's CSRF token. Rejects with an Error whose message is the server's
 *       "error" text (err.status = HTTP status); on 401 it goes to the sign-in page.
 *   vigie.session -> Promise of {user, role, csrf} (one request per page; on 401: to the sign-in page)
 *   vigie.isAdmin() -> true when the signed-in user is an admin (false until vigie.session has resolved)
 *   vigie.nav() -> draws the top navigation into <nav id="nav"> and marks <body class="admin"> for admins
 *       (elements with class "admin-only" are hidden for viewers)
 *   vigie.signOut(), vigie.base ('/vigie/'), vigie.signInUrl(next?)
 */
(function () {
  'use strict';
  var ui = location.pathname.lastIndexOf('/ui/');
  var base = ui >= 0 ? location.pathname.substring(0, ui + 1) : '/vigie/';
  var PAGES = [['live.html', 'Live'], ['models.html', 'Models'], ['packages.html', 'Packages'],
    ['events.html', 'Events'], ['zones.html', 'Zones'], ['audit.html', 'Audit']];
  var current = null;
  var sessionPromise = null;

  // pages need no favicon link of their own (and the browser does not ask /favicon.ico, which 404s)
  if (!document.querySelector('link[rel~=icon]')) {
    var icon = document.createElement('link');
    icon.rel = 'icon';
    icon.href = base + 'ui/favicon.svg';
    document.head.appendChild(icon);
  }

  function url(path) {
    return path.charAt(0) === '/' ? path : base + path;
  }

  function signInUrl(next) {
    return base + 'ui/signin.html?next=' + encodeURIComponent(next || (location.pathname + location.search));
  }

  function toSignIn() {
    location.assign(signInUrl());
  }

  function fail(status, json, fallback) {
    var e = new Error((json && json.error) || fallback || ('HTTP ' + status));
    e.status = status;
    return e;
  }

  function api(method, path, body) {
    method = (method || 'GET').toUpperCase();
    var needsToken = method !== 'GET' && method !== 'HEAD';
    var ready = needsToken ? vigie.session : Promise.resolve(current);
    return ready.then(function (s) {
      var headers = { 'Accept': 'application/json' };
      if (s && s.csrf) headers['X-CSRF-Token'] = s.csrf;
      var init = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
      if (body !== undefined && body !== null) {
        if (body instanceof FormData || body instanceof Blob || body instanceof ArrayBuffer) {
          init.body = body;
        } else {
          headers['Content-Type'] = 'application/json';
          init.body = JSON.stringify(body);
        }
      }
      return fetch(url(path), init);
    }).then(function (r) {
      return r.text().then(function (text) {
        var json = null;
        if (text) {
          try { json = JSON.parse(text); } catch (e) { json = null; }
        }
        if (r.status === 401) {
          toSignIn();
          throw fail(401, json, 'not signed in');
        }
        if (!r.ok) throw fail(r.status, json, r.statusText);
        if (text && json === null) throw fail(r.status, null, 'the answer is not JSON');
        return json;
      });
    });
  }

  function loadSession() {
    return fetch(base + 'api/session', { credentials: 'same-origin', cache: 'no-store',
      headers: { 'Accept': 'application/json' } }).then(function (r) {
      if (r.status === 401) {
        toSignIn();
        return new Promise(function () {}); // the page is going away
      }
      if (!r.ok) throw new Error('session: HTTP ' + r.status);
      return r.json();
    }).then(function (s) {
      current = s;
      return s;
    });
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function nav() {
    var n = document.getElementById('nav');
    if (!n) return Promise.resolve(null);
    while (n.firstChild) n.removeChild(n.firstChild);
    n.setAttribute('aria-label', 'Vigie pages');
    n.appendChild(el('a', { 'class': 'brand', href: base + 'ui/live.html' }, 'Vigie'));
    var links = el('div', { 'class': 'links' });
    var here = location.pathname.substring(location.pathname.lastIndexOf('/') + 1);
    PAGES.forEach(function (p) {
      var a = el('a', { href: base + 'ui/' + p[0] }, p[1]);
      if (p[0] === here) a.setAttribute('aria-current', 'page');
      links.appendChild(a);
    });
    n.appendChild(links);
    var who = el('div', { 'class': 'who' });
    n.appendChild(who);
    return vigie.session.then(function (s) {
      who.appendChild(el('span', { 'class': 'user', id: 'nav-user' }, s.user));
      who.appendChild(el('span', { 'class': 'role', id: 'nav-role' }, s.role));
      if (s.csrf) { // signed in with a session (not Basic): it can be ended
        var out = el('button', { type: 'button', id: 'signout' }, 'Sign out');
        out.addEventListener('click', signOut);
        who.appendChild(out);
      }
      document.body.classList.toggle('admin', s.role === 'admin');
      return s;
    });
  }

  function signOut() {
    return api('DELETE', 'api/session').catch(function () { return null; }).then(function () {
      location.assign(base + 'ui/signin.html');
    });
  }

  function two(n) { return (n < 10 ? '0' : '') + n; }

  // Every page shows times one way, local and unambiguous whatever the browser's locale: 2026-12-07 09:53:45
  // (ISO text or epoch ms in; '' for none; unparseable text returned as it is). timeOnly: 09:53:45.
  function time(v, timeOnly) {
    if (v === null || v === undefined || v === '') return '';
    var d = new Date(v);
    if (isNaN(d)) return String(v);
    var t = two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
    return timeOnly ? t : d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + t;
  }

  var vigie = {
    base: base,
    time: time,
    api: api,
    nav: nav,
    signOut: signOut,
    signInUrl: signInUrl,
    isAdmin: function () { return !!current && current.role === 'admin'; }
  };
  Object.defineProperty(vigie, 'session', {
    enumerable: true,
    get: function () { return sessionPromise || (sessionPromise = loadSession()); }
  });
  window.vigie = vigie;
})();
