/* Sign-in page: POST /vigie/api/session {user, password}, then back to the page that sent us here. */
(function () {
  'use strict';
  var form = document.getElementById('signin');
  var msg = document.getElementById('message');
  var button = document.getElementById('submit');

  // only a page of this dashboard may be the target (no open redirect)
  function next() {
    var n = new URLSearchParams(location.search).get('next');
    if (n && n.indexOf(vigie.base) === 0 && n.indexOf('//') < 0 && n.indexOf('\\') < 0) return n;
    return vigie.base + 'ui/live.html';
  }

  function show(text) {
    msg.textContent = text;
    msg.hidden = !text;
  }

  if (new URLSearchParams(location.search).get('expired')) show('Your session has ended: please sign in again.');

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var user = document.getElementById('user').value.trim();
    var password = document.getElementById('password').value;
    if (!user || !password) {
      show('Enter your user name and password.');
      return;
    }
    button.disabled = true;
    show('');
    fetch(vigie.base + 'api/session', {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify({ user: user, password: password })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.ok) {
          location.replace(next());
          return;
        }
        var text = j.error || ('sign-in failed (HTTP ' + r.status + ')');
        var wait = r.headers.get('Retry-After');
        if (r.status === 429 && wait) text += ' (wait ' + wait + ' s)';
        show(text.charAt(0).toUpperCase() + text.substring(1));
        document.getElementById('password').value = '';
        document.getElementById('password').focus();
      });
    }).catch(function (e) {
      show('The gateway did not answer: ' + e.message);
    }).then(function () {
      button.disabled = false;
    });
  });
})();
