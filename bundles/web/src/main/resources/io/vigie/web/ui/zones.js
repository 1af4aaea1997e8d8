/*
 * Zones editor. Zones are the detector's "zones" setting: name:x1,y1;x2,y2;x3,y3[;...] with coordinates normalised
 * to 0..1 of the frame (ZoneParser). Read from GET /vigie/api/settings, saved with PATCH {"zones": [...]}: the
 * detector validates them (same rules as the Kura console and MQTT) and applies them live; its refusal is shown
 * as it words it. The live frame (2 fps stream) is the background; the stream draws the zones in force, the canvas
 * the ones being edited.
 */
(function () {
  'use strict';
  var show = vigieOps.show;
  var COLORS = ['#ffbf00', '#00c2ff', '#ff5ca8', '#7CFC00', '#ff7a00', '#b48cff'];
  var HIT = 12; // px: how near a click must be to grab a point
  var canvas = document.getElementById('canvas');
  var ctx = canvas.getContext('2d');
  var frame = document.getElementById('frame');
  var msg = document.getElementById('message');
  var info = document.getElementById('info');
  var zones = []; // [{name, pts: [[x, y]...]}] normalised
  var saved = '';
  var selected = -1;
  var drawing = null; // the zone being drawn, not yet in zones
  var drag = null; // {zone, point}

  function r3(v) {
    return Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
  }

  function spec(z) {
    return z.name + ':' + z.pts.map(function (p) { return r3(p[0]) + ',' + r3(p[1]); }).join(';');
  }

  function specs() {
    return zones.map(spec);
  }

  /** "name:x,y;x,y;..." -> zone; null when it is not that shape (the detector would refuse it anyway). */
  function parse(s) {
    var c = s.indexOf(':');
    if (c <= 0) return null;
    var pts = s.substring(c + 1).split(';').map(function (p) {
      var xy = p.split(',');
      return [parseFloat(xy[0]), parseFloat(xy[1])];
    });
    if (pts.some(function (p) { return isNaN(p[0]) || isNaN(p[1]); })) return null;
    return { name: s.substring(0, c).trim(), pts: pts };
  }

  function changed() {
    var now = JSON.stringify(specs());
    document.getElementById('dirty').hidden = now === saved;
    document.getElementById('spec').value = specs().join('\n');
    document.getElementById('delete').disabled = selected < 0;
    document.getElementById('finish').disabled = !drawing || drawing.pts.length < 3;
    list();
    draw();
  }

  function list() {
    var ul = document.getElementById('zones');
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    zones.forEach(function (z, i) {
      var li = document.createElement('li');
      li.setAttribute('data-zone', z.name);
      if (i === selected) li.className = 'selected';
      var sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = COLORS[i % COLORS.length];
      li.appendChild(sw);
      var n = document.createElement('span');
      n.className = 'name';
      n.textContent = z.name;
      n.addEventListener('click', function () { selected = i; changed(); });
      li.appendChild(n);
      var k = document.createElement('span');
      k.className = 'muted';
      k.textContent = z.pts.length + ' points';
      li.appendChild(k);
      ul.appendChild(li);
    });
    if (!zones.length) {
      var li = document.createElement('li');
      li.className = 'muted';
      li.textContent = 'No zone: nothing raises an intrusion.';
      ul.appendChild(li);
    }
  }

  function size() {
    var w = canvas.clientWidth;
    var h = canvas.clientHeight;
    var dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { w: w, h: h };
  }

  function poly(z, color, s, closed, strong) {
    if (!z.pts.length) return;
    ctx.beginPath();
    z.pts.forEach(function (p, i) {
      var x = p[0] * s.w, y = p[1] * s.h;
      if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    });
    if (closed) ctx.closePath();
    ctx.lineWidth = strong ? 3 : 2;
    ctx.strokeStyle = color;
    ctx.setLineDash(closed ? [] : [6, 4]);
    ctx.stroke();
    if (closed) {
      ctx.globalAlpha = strong ? 0.22 : 0.12;
      ctx.fillStyle = color;
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    z.pts.forEach(function (p) {
      ctx.beginPath();
      ctx.arc(p[0] * s.w, p[1] * s.h, strong ? 6 : 4, 0, 2 * Math.PI);
      ctx.fillStyle = color;
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.setLineDash([]);
      ctx.strokeStyle = '#000';
      ctx.stroke();
    });
    var first = z.pts[0];
    ctx.font = '600 14px system-ui, sans-serif';
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#000';
    ctx.strokeText(z.name, first[0] * s.w + 8, first[1] * s.h - 8);
    ctx.fillStyle = color;
    ctx.fillText(z.name, first[0] * s.w + 8, first[1] * s.h - 8);
  }

  function draw() {
    var s = size();
    ctx.clearRect(0, 0, s.w, s.h);
    zones.forEach(function (z, i) { poly(z, COLORS[i % COLORS.length], s, true, i === selected); });
    if (drawing) poly(drawing, '#ffffff', s, false, true);
  }

  function pos(e) {
    var r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height];
  }

  function near(p, q) {
    var r = canvas.getBoundingClientRect();
    var dx = (p[0] - q[0]) * r.width, dy = (p[1] - q[1]) * r.height;
    return dx * dx + dy * dy <= HIT * HIT;
  }

  /** The point under the pointer: the selected zone's first, then any zone's. */
  function hit(p) {
    var order = zones.map(function (z, i) { return i; });
    if (selected >= 0) order.unshift(selected);
    for (var k = 0; k < order.length; k++) {
      var z = zones[order[k]];
      for (var j = 0; j < z.pts.length; j++) if (near(p, z.pts[j])) return { zone: order[k], point: j };
    }
    return null;
  }

  function inside(p, pts) {
    var c = false;
    for (var i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      if ((pts[i][1] > p[1]) !== (pts[j][1] > p[1]) &&
          p[0] < (pts[j][0] - pts[i][0]) * (p[1] - pts[i][1]) / (pts[j][1] - pts[i][1]) + pts[i][0]) c = !c;
    }
    return c;
  }

  canvas.addEventListener('pointerdown', function (e) {
    var p = pos(e);
    var admin = vigie.isAdmin();
    if (drawing) {
      if (drawing.pts.length >= 3 && near(p, drawing.pts[0])) { finish(); return; }
      drawing.pts.push([r3(p[0]), r3(p[1])]);
      changed();
      return;
    }
    var h = hit(p);
    if (h) {
      selected = h.zone;
      if (admin) {
        drag = h;
        canvas.setPointerCapture(e.pointerId);
      }
      changed();
      return;
    }
    selected = -1;
    for (var i = zones.length - 1; i >= 0; i--) if (inside(p, zones[i].pts)) { selected = i; break; }
    changed();
  });
  canvas.addEventListener('pointermove', function (e) {
    if (!drag) {
      canvas.style.cursor = drawing ? 'crosshair' : hit(pos(e)) ? 'grab' : 'default';
      return;
    }
    var p = pos(e);
    zones[drag.zone].pts[drag.point] = [r3(p[0]), r3(p[1])];
    changed();
  });
  function endDrag() { drag = null; }
  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', endDrag);

  function newZone() {
    var name = document.getElementById('zname').value.trim();
    if (!name) { show(msg, 'Give the new zone a name first.'); return; }
    show(msg, '');
    drawing = { name: name, pts: [] };
    selected = -1;
    show(info, 'Drawing "' + name + '": click its corners on the frame, then Finish.');
    changed();
  }

  function finish() {
    if (!drawing || drawing.pts.length < 3) return;
    zones.push(drawing);
    selected = zones.length - 1;
    drawing = null;
    show(info, '');
    var n = 1;
    while (zones.some(function (z) { return z.name === 'zone' + n; })) n++;
    document.getElementById('zname').value = 'zone' + n;
    changed();
  }

  function remove() {
    if (selected < 0) return;
    zones.splice(selected, 1);
    selected = -1;
    changed();
  }

  function apply(settings) {
    var list = settings.zones || [];
    zones = list.map(parse).filter(function (z) { return z; });
    saved = JSON.stringify(specs());
    selected = -1;
    drawing = null;
    changed();
  }

  function load() {
    return vigie.api('GET', 'api/settings').then(function (j) {
      show(msg, '');
      apply(j.settings || {});
    }).catch(function (e) {
      show(msg, 'Could not read the detector settings: ' + e.message);
    });
  }

  function save() {
    if (drawing) finish();
    var body = { zones: specs() };
    var btn = document.getElementById('save');
    btn.disabled = true;
    show(info, '');
    vigie.api('PATCH', 'api/settings', body).then(function (j) {
      show(msg, '');
      apply(j.settings || {});
      show(info, 'Saved: the detector applies ' + zones.length + ' zone(s) now.');
    }).catch(function (e) {
      show(msg, 'Not saved: ' + e.message);
    }).then(function () { btn.disabled = false; });
  }

  frame.addEventListener('load', function () {
    var w = frame.naturalWidth, h = frame.naturalHeight, stage = document.getElementById('stage');
    if (w && h && stage.dataset.aspect !== w + '/' + h) {
      stage.dataset.aspect = w + '/' + h;
      stage.style.aspectRatio = w + ' / ' + h;
      document.getElementById('view').style.width = 'min(100%, calc((100vh - 190px) * ' + (w / h) + '))';
    }
    draw();
  });
  window.addEventListener('resize', draw);
  document.addEventListener('keydown', function (e) {
    if (e.target.tagName === 'INPUT' || !vigie.isAdmin()) return;
    if ((e.key === 'Delete' || e.key === 'Backspace') && selected >= 0) { remove(); e.preventDefault(); }
    if (e.key === 'Escape' && drawing) { drawing = null; show(info, ''); changed(); }
    if (e.key === 'Enter' && drawing) finish();
  });
  document.getElementById('new').addEventListener('click', newZone);
  document.getElementById('finish').addEventListener('click', finish);
  document.getElementById('delete').addEventListener('click', remove);
  document.getElementById('save').addEventListener('click', save);
  document.getElementById('revert').addEventListener('click', function () { show(info, ''); load(); });

  vigie.nav();
  frame.src = vigie.base + 'stream.mjpg?fps=2';
  load();
})();
