/*
 * Live page: the annotated MJPEG stream, the figures of now (model and frame from the SSE feed /vigie/events;
 * fps, latency, CPU and RSS from the newest history sample) and 15-min charts of /vigie/api/history (uPlot), with
 * vertical lines at model swaps and OTA events. The history is read whole once, then its last seconds every 2 s.
 */
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var POLL_MS = 2000;
  var WINDOW_S = 900;
  var hist = null; // the columns of /vigie/api/history
  var charts = [];
  var polls = 0;

  vigie.nav();

  function fmt(v, digits, unit) {
    return v === null || v === undefined || isNaN(v) ? '–' : v.toFixed(digits) + (unit || '');
  }

  function last(a) {
    for (var i = a.length - 1; i >= 0; i--) if (a[i] !== null) return a[i];
    return null;
  }

  // ---- now: SSE -----------------------------------------------------------------------------------
  var es = new EventSource(vigie.base + 'events');
  es.onopen = function () { $('state').textContent = 'live'; $('state').className = 'badge ok'; };
  es.onerror = function () { $('state').textContent = 'reconnecting'; $('state').className = 'badge bad'; };
  es.addEventListener('detection', function (e) {
    var d = JSON.parse(e.data);
    $('model').textContent = d.model ? d.model.shortId : 'no model';
    $('frame').textContent = '#' + d.seq;
    zones(d.zones || []);
  });
  es.addEventListener('model', function () { refresh(true); });
  es.addEventListener('intrusion', function () { /* the zone table shows it with the next frame */ });

  function zones(list) {
    var body = $('zones').tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    list.forEach(function (z) {
      var tr = document.createElement('tr');
      [z.name, String(z.persons), z.intrusion ? 'INTRUSION' : 'clear'].forEach(function (text, i) {
        var td = document.createElement('td');
        td.textContent = text;
        if (i === 2) td.className = z.intrusion ? 'bad' : 'ok';
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  // ---- charts -------------------------------------------------------------------------------------
  var MARK_COLORS = { swap: '#6b21a8', 'model-error': '#b00020', model: '#6b21a8' };

  function markColor(kind) {
    return MARK_COLORS[kind] || (kind.indexOf('ota-rollback') === 0 || kind.indexOf('ota-failed') === 0
      ? '#b00020' : '#8a5300');
  }

  var marksPlugin = {
    hooks: {
      draw: function (u) {
        if (!hist) return;
        var ctx = u.ctx;
        ctx.save();
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
        hist.marks.forEach(function (m) {
          var x = u.valToPos(m.t, 'x', true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
          ctx.strokeStyle = markColor(m.kind);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
        });
        ctx.restore();
      }
    }
  };

  var SPECS = [
    { id: 'chart-fps', title: 'Frames per second', series: [['fps', 'fps', '#0b4fb3']] },
    { id: 'chart-latency', title: 'Latency (ms)', series: [['p50Ms', 'p50', '#136c2e'], ['p95Ms', 'p95', '#b00020']] },
    { id: 'chart-stages', title: 'Per stage (ms, mean)', series: [['decodeMs', 'decode', '#4a5260'],
      ['preprocessMs', 'preprocess', '#8a5300'], ['inferenceMs', 'inference', '#0b4fb3'],
      ['postprocessMs', 'postprocess', '#136c2e']] },
    { id: 'chart-process', title: 'Process: CPU % (of one core) and RSS MB', series: [['cpuPercent', 'CPU %', '#b00020'],
      ['rssMb', 'RSS MB', '#0b4fb3', 'mb']] }
  ];

  function column(key) {
    return hist.stages[key] || hist[key];
  }

  function dataOf(spec) {
    var d = [hist.t];
    spec.series.forEach(function (s) { d.push(column(s[0])); });
    return d;
  }

  function width(el) {
    return Math.max(200, el.clientWidth);
  }

  function build() {
    SPECS.forEach(function (spec) {
      var el = $(spec.id);
      var series = [{}];
      var axes = [{}, { size: 50 }];
      var scales = { x: { time: true } };
      spec.series.forEach(function (s) {
        series.push({ label: s[1], stroke: s[2], width: 2, scale: s[3] || 'y', spanGaps: false,
          value: function (u, v) { return v === null ? '–' : v.toFixed(1); } });
      });
      if (spec.series.some(function (s) { return s[3] === 'mb'; })) {
        axes.push({ scale: 'mb', side: 1, grid: { show: false }, size: 50 });
        scales.mb = { auto: true };
      }
      var opts = { title: spec.title, width: width(el), height: 150, series: series, axes: axes, scales: scales,
        plugins: [marksPlugin], legend: { live: false }, cursor: { drag: { x: false, y: false } } };
      charts.push({ spec: spec, el: el, u: new uPlot(opts, dataOf(spec), el) });
    });
    window.addEventListener('resize', function () {
      charts.forEach(function (c) { c.u.setSize({ width: width(c.el), height: 150 }); });
    });
  }

  function draw() {
    if (!charts.length) build();
    else charts.forEach(function (c) { c.u.setData(dataOf(c.spec)); });
    $('chart-fps').setAttribute('data-points', String(hist.t.length));
    figures();
    marks();
  }

  function figures() {
    $('fps').textContent = fmt(last(hist.fps), 1);
    var p50 = last(hist.p50Ms), p95 = last(hist.p95Ms);
    $('latency').textContent = p50 === null ? '–' : fmt(p50, 0) + ' / ' + fmt(p95, 0) + ' ms';
    $('cpu').textContent = fmt(last(hist.cpuPercent), 0, ' %');
    $('rss').textContent = fmt(last(hist.rssMb), 0, ' MB');
  }

  function marks() {
    var ul = $('marks');
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    if (!hist.marks.length) {
      var none = document.createElement('li');
      none.className = 'muted';
      none.textContent = 'none in this window';
      ul.appendChild(none);
    }
    hist.marks.slice().reverse().forEach(function (m) {
      var li = document.createElement('li');
      var kind = document.createElement('span');
      kind.className = 'kind ' + (m.kind.indexOf('ota') === 0 ? 'ota' : m.kind === 'model-error' ? 'err' : 'swap');
      kind.textContent = m.kind;
      li.appendChild(kind);
      var text = vigie.time(m.t * 1000, true) + ' ' + m.text;
      if (m.swapMs !== undefined) text += ' · swap ' + Math.round(m.swapMs) + ' ms';
      if (m.framesLost !== undefined) text += ' · frames lost ' + (m.framesLost === null ? '…' : m.framesLost);
      li.appendChild(document.createTextNode(' ' + text));
      ul.appendChild(li);
    });
  }

  /** Appends the samples newer than what we have; keeps 15 min. */
  function merge(tail) {
    var lastT = hist.t.length ? hist.t[hist.t.length - 1] : -Infinity;
    var from = 0;
    while (from < tail.t.length && tail.t[from] <= lastT) from++;
    var keys = ['t', 'fps', 'p50Ms', 'p95Ms', 'gaps', 'cpuPercent', 'rssMb'];
    keys.forEach(function (k) { hist[k] = hist[k].concat(tail[k].slice(from)); });
    Object.keys(hist.stages).forEach(function (k) { hist.stages[k] = hist.stages[k].concat(tail.stages[k].slice(from)); });
    var drop = Math.max(0, hist.t.length - WINDOW_S);
    if (drop) {
      keys.forEach(function (k) { hist[k] = hist[k].slice(drop); });
      Object.keys(hist.stages).forEach(function (k) { hist.stages[k] = hist.stages[k].slice(drop); });
    }
    // marks of the tail replace ours from its first second on (a swap's frames lost arrive a second later)
    var cut = tail.t.length ? tail.t[0] - 1 : Infinity;
    var start = hist.t.length ? hist.t[0] - 1 : -Infinity;
    hist.marks = hist.marks.filter(function (m) { return m.t < cut && m.t >= start; }).concat(tail.marks);
  }

  function refresh(whole) {
    var s = whole || !hist ? WINDOW_S : 10;
    return vigie.api('GET', 'api/history?seconds=' + s).then(function (h) {
      if (whole || !hist) hist = h;
      else merge(h);
      draw();
    }).catch(function (e) {
      $('state').textContent = e.message;
      $('state').className = 'badge bad';
    });
  }

  function loop() {
    polls++;
    refresh(polls % 30 === 0).then(function () { setTimeout(loop, POLL_MS); });
  }
  loop();
})();
