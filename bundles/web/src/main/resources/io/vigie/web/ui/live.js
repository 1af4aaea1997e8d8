/* Placeholder live page (what the old /vigie/ page showed); dash-live replaces it. */
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  function item(list, s, cls, max) {
    var li = document.createElement('li');
    li.textContent = s;
    if (cls) li.className = cls;
    list.insertBefore(li, list.firstChild);
    while (list.children.length > max) list.removeChild(list.lastChild);
  }
  vigie.nav();
  var es = new EventSource(vigie.base + 'events');
  es.onopen = function () { $('state').textContent = 'live'; $('state').className = 'badge ok'; };
  es.onerror = function () { $('state').textContent = 'reconnecting'; $('state').className = 'badge bad'; };
  es.addEventListener('detection', function (e) {
    var d = JSON.parse(e.data);
    var t = d.timings ? Math.round(d.timings.totalMs) + ' ms' : '';
    $('perf').textContent = '#' + d.seq + ' · ' + d.detections.length + ' detections · ' + t + ' · ' +
      (d.model ? d.model.shortId : 'no model');
    var z = $('zones');
    while (z.firstChild) z.removeChild(z.firstChild);
    d.zones.forEach(function (zone) {
      item(z, zone.name + ': ' + zone.persons + (zone.intrusion ? ' INTRUSION' : ''), zone.intrusion ? 'bad' : 'ok', 50);
    });
  });
  es.addEventListener('intrusion', function (e) {
    var i = JSON.parse(e.data);
    item($('intrusions'), new Date(i.timestamp).toLocaleTimeString() + ' ' + i.type + ' ' + i.zone +
      (i.persons != null ? ' (' + i.persons + ')' : ''), i.type === 'START' ? 'bad' : '', 20);
  });
})();
