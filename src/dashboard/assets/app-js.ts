// The page's script (plain ES2017, no framework, no build step). It listens to the server's /events stream and posts
// controls to /api; it never talks to the nodes. Written without template literals so it can live in this string.
export const APP_JS = String.raw`
'use strict';
(function () {
  var TAIL = 40, WINDOW_MS = 60000;
  var state = { config: null, nodes: {}, history: [], events: [], rows: {}, skew: 0 };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function short(id) { return id ? id.replace(/^127\.0\.0\.1:/, ':') : '—'; }
  function termColour(term) { return 'hsl(' + ((term * 137.5 + 200) % 360) + ', 70%, 58%)'; }
  function fmtTime(t) { var d = new Date(t); return d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0'); }
  function seconds() {
    var v = parseInt($('fault-seconds').value, 10);
    return isFinite(v) && v >= 1 && v <= 3600 ? v : 5;
  }

  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status)); return j; }); });
  }

  // ------------------------------------------------------------------ node rows

  function makeRow(id) {
    var row = el('article', 'node');
    row.setAttribute('data-node-id', id);
    row.setAttribute('data-role', 'down');
    var info = el('div', 'info');
    var ident = el('div', 'ident');
    var badge = el('span', 'badge', 'down');
    ident.appendChild(badge);
    ident.appendChild(el('span', 'name', id));
    var contact = el('span', 'contact');
    contact.title = 'time since this node last heard from its leader';
    ident.appendChild(contact);
    var facts = el('div', 'facts');
    var flags = el('div', 'flags');
    var progress = el('div', 'progress');
    info.appendChild(ident); info.appendChild(facts); info.appendChild(flags); info.appendChild(progress);
    var strip = el('div', 'strip');
    var controls = el('div', 'controls');
    var buttons = {};
    var c = state.config.controls;
    [['suspend', 'suspend'], ['isolate', 'isolate'], ['campaign', 'campaign'], ['kill', 'kill -9'], ['restart', 'restart'], ['transfer', 'transfer']].forEach(function (a) {
      var b = el('button', '', a[1]);
      b.type = 'button';
      b.setAttribute('data-action', a[0]);
      b.hidden = !c[a[0]];
      b.title = {
        suspend: 'stop answering and sending for the chosen seconds', isolate: 'drop messages to and from the ticked peers for the chosen seconds',
        campaign: 'make its election timer expire now', kill: 'SIGKILL the process', restart: 'start the process again on the same data',
        transfer: 'leadership transfer (not available yet)'
      }[a[0]];
      b.addEventListener('click', function () { act(id, a[0], b); });
      buttons[a[0]] = b;
      controls.appendChild(b);
    });
    var peers = el('div', 'peers');
    peers.appendChild(el('span', '', 'isolate from'));
    state.config.nodes.forEach(function (p) {
      if (p === id) return;
      var l = el('label');
      var cb = document.createElement('input');
      cb.type = 'checkbox'; cb.checked = true; cb.value = p;
      l.appendChild(cb); l.appendChild(document.createTextNode(short(p)));
      peers.appendChild(l);
    });
    controls.appendChild(peers);
    row.appendChild(info); row.appendChild(strip); row.appendChild(controls);
    state.rows[id] = { row: row, badge: badge, contact: contact, facts: facts, flags: flags, progress: progress, strip: strip, buttons: buttons, peers: peers, stripKey: '' };
    return row;
  }

  function act(id, action, button) {
    var body = { seconds: seconds() };
    if (action === 'isolate') {
      body.peers = Array.prototype.filter.call(state.rows[id].peers.querySelectorAll('input'), function (i) { return i.checked; })
        .map(function (i) { return i.value; });
    }
    button.disabled = true;
    post('/api/node/' + encodeURIComponent(id) + '/' + action, body)
      .catch(function (err) { addEvent({ t: Date.now(), kind: 'error', node: id, text: action + ' ' + id + ': ' + err.message }); })
      .then(function () { button.disabled = false; });
  }

  function fact(label, value) { return label + ' <b>' + String(value).replace(/[&<>]/g, '') + '</b>'; }

  function renderNode(v) {
    var r = state.rows[v.id];
    if (!r) return;
    r.row.setAttribute('data-role', v.role);
    r.row.setAttribute('data-raw-role', v.rawRole);
    r.row.setAttribute('data-suspended', String(v.suspended));
    r.row.setAttribute('data-isolated', String(v.isolatedFrom.length > 0));
    r.badge.textContent = v.suspended ? 'suspended' : v.role === 'down' ? 'down' : v.rawRole === 'precandidate' ? 'pre-candidate' : v.rawRole;
    r.contact.textContent = v.role === 'leader' || v.role === 'down' || v.leaderContactMs < 0 ? '' : 'heard leader ' + v.leaderContactMs + ' ms ago';
    r.contact.className = v.leaderContactMs > 300 ? 'contact stale' : 'contact';
    r.facts.innerHTML = fact('term', v.term) + ' · ' + fact('vote', short(v.vote)) + ' · ' + fact('leader', short(v.leader)) + '<br>' +
      fact('commit', v.commitIndex) + ' · ' + fact('applied', v.lastApplied) + ' · ' + fact('last', v.lastLogIndex);
    r.flags.textContent = '';
    if (v.suspended) r.flags.appendChild(el('span', 'flag', 'suspended, ' + Math.ceil(v.suspendedMs / 1000) + ' s left'));
    if (v.isolatedFrom.length > 0) r.flags.appendChild(el('span', 'flag iso', 'isolated from ' + v.isolatedFrom.map(short).join(' ') + ', ' + Math.ceil(v.isolatedMs / 1000) + ' s left'));
    if (v.role === 'down' && !v.suspended && v.error) r.flags.appendChild(el('span', 'flag err', v.error));
    r.progress.textContent = '';
    v.progress.forEach(function (p) {
      var s = el('span', p.active ? (p.match < v.lastLogIndex ? 'lag' : '') : 'inactive', short(p.id) + ' match ' + p.match + ' next ' + p.next);
      s.setAttribute('data-follower', p.id);
      r.progress.appendChild(s);
    });
    var running = v.running;
    r.buttons.kill.hidden = !state.config.controls.kill || !running;
    r.buttons.restart.hidden = !state.config.controls.restart || running;
    ['suspend', 'isolate', 'campaign'].forEach(function (a) { r.buttons[a].disabled = v.role === 'down'; });
    r.buttons.campaign.disabled = v.role === 'down' || v.role === 'leader';
  }

  // All strips show the same index window, so one index sits in the same column on every node (raftscope's view).
  function renderStrips() {
    var hi = 0;
    Object.keys(state.nodes).forEach(function (id) { hi = Math.max(hi, state.nodes[id].lastLogIndex); });
    var ruler = $('index-ruler').querySelector('.strip');
    // As many of the newest entries as the strip has room for (22 px each), at most the TAIL the server sends.
    var fit = Math.max(5, Math.min(TAIL, Math.floor((ruler.clientWidth || 880) / 22)));
    var lo = Math.max(1, hi - fit + 1);
    var rkey = lo + ':' + hi;
    if (ruler.getAttribute('data-key') !== rkey) {
      ruler.setAttribute('data-key', rkey);
      ruler.textContent = '';
      for (var i = lo; i <= hi; i++) ruler.appendChild(el('span', 'tick', i % 5 === 0 || i === lo || i === hi ? String(i) : ''));
    }
    Object.keys(state.nodes).forEach(function (id) {
      var v = state.nodes[id], r = state.rows[id];
      if (!r) return;
      var byIndex = {};
      v.tail.forEach(function (e) { byIndex[e.index] = e; });
      var key = rkey + '|' + v.tail.map(function (e) { return e.index + '.' + e.term + (e.committed ? 'c' : 'u'); }).join(',');
      if (key === r.stripKey) return;
      r.stripKey = key;
      r.strip.textContent = '';
      for (var i = lo; i <= hi; i++) {
        var e = byIndex[i];
        var box = el('span', e ? 'e ' + e.type : 'e gap', e ? String(e.term) : '');
        if (e) {
          box.style.background = termColour(e.term);
          box.style.borderColor = termColour(e.term);
          box.setAttribute('data-index', String(e.index));
          box.setAttribute('data-term', String(e.term));
          box.setAttribute('data-committed', String(e.committed));
          box.setAttribute('data-entry', e.data);
          box.title = '#' + e.index + ' term ' + e.term + ' ' + e.type + (e.data ? ' ' + e.data : '') + (e.committed ? ' (committed)' : ' (not committed)');
        }
        r.strip.appendChild(box);
      }
    });
  }

  function renderSummary() {
    var leaders = Object.keys(state.nodes).filter(function (id) { return state.nodes[id].role === 'leader'; });
    var up = Object.keys(state.nodes).filter(function (id) { return state.nodes[id].role !== 'down'; }).length;
    var s = $('summary');
    if (leaders.length === 0) { s.innerHTML = 'no leader · ' + up + '/' + state.config.nodes.length + ' nodes up'; return; }
    var l = state.nodes[leaders[leaders.length - 1]];
    s.innerHTML = 'leader <b>' + l.id.replace(/[&<>]/g, '') + '</b> · term <b>' + l.term + '</b> · commit <b>' + l.commitIndex + '</b> · ' + up + '/' + state.config.nodes.length + ' nodes up' +
      (state.config.source ? ' · <span class="dim">' + state.config.source.replace(/[&<>]/g, '') + '</span>' : '');
  }

  var stripsPending = false;
  function onNode(v) {
    state.nodes[v.id] = v;
    renderNode(v);
    if (!stripsPending) {
      stripsPending = true;
      requestAnimationFrame(function () { stripsPending = false; renderStrips(); renderSummary(); });
    }
    // For scripts and the latency measurement: when the page shows a node's new state.
    document.dispatchEvent(new CustomEvent('dashboard-node', { detail: { id: v.id, role: v.role, lastLogIndex: v.lastLogIndex, commitIndex: v.commitIndex, at: Date.now() } }));
  }

  // ------------------------------------------------------------------ timeline (SVG swimlanes)

  var ROLE_COLOUR = { leader: '#f5b82e', follower: '#4f7cff', candidate: '#ff6b5a', precandidate: '#ff9f6b', learner: '#3ecf8e', down: '#464d63', suspended: '#a66bff' };
  var SVGNS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function renderTimeline() {
    var root = $('timeline');
    if (!state.config) return;
    var w = root.clientWidth || 800, left = 110, laneH = 24, top = 8;
    var ids = state.config.nodes;
    var h = top + ids.length * laneH + 22;
    root.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    root.style.height = h + 'px';
    var now = Date.now() + state.skew, t0 = now - WINDOW_MS;
    var x = function (t) { return left + (Math.max(t, t0) - t0) / WINDOW_MS * (w - left - 8); };
    while (root.firstChild) root.removeChild(root.firstChild);
    for (var s = 0; s <= 60; s += 10) {
      var gx = x(now - s * 1000);
      root.appendChild(svg('line', { x1: gx, x2: gx, y1: top, y2: h - 18, stroke: '#262d44' }));
      root.appendChild(svg('text', { x: gx, y: h - 4, 'text-anchor': 'middle' }, s === 0 ? 'now' : '-' + s + ' s'));
    }
    ids.forEach(function (id, lane) {
      var y = top + lane * laneH;
      root.appendChild(svg('text', { x: 4, y: y + 16 }, short(id) === id ? id : id));
      var samples = state.history.filter(function (s) { return s.id === id; });
      for (var i = 0; i < samples.length; i++) {
        var s = samples[i], end = i + 1 < samples.length ? samples[i + 1].t : now;
        if (end < t0) continue;
        var x1 = x(s.t), x2 = x(end);
        root.appendChild(svg('rect', { x: x1, y: y + 3, width: Math.max(1, x2 - x1), height: laneH - 6, rx: 3, fill: ROLE_COLOUR[s.role] || '#464d63' }));
        if (s.role === 'leader' && x2 - x1 > 30) root.appendChild(svg('text', { x: x1 + 4, y: y + 16, class: 'tl-term' }, 'T' + s.term));
      }
    });
    state.events.forEach(function (ev) {
      if (ev.kind !== 'leader' || ev.t < t0) return;
      var lane = ids.indexOf(ev.node);
      if (lane < 0) return;
      var ex = x(ev.t), ey = top + lane * laneH + laneH / 2;
      root.appendChild(svg('path', { d: 'M' + ex + ' ' + (ey - 7) + 'l6 7l-6 7l-6 -7z', fill: '#fff', stroke: '#221a00' }));
    });
  }

  // ------------------------------------------------------------------ events and client operations

  function addEvent(ev) {
    state.events.push(ev);
    if (state.events.length > 300) state.events.shift();
    var li = el('li');
    li.setAttribute('data-kind', ev.kind);
    li.appendChild(el('time', '', fmtTime(ev.t)));
    li.appendChild(el('span', '', ev.text));
    var list = $('events');
    list.insertBefore(li, list.firstChild);
    while (list.childNodes.length > 200) list.removeChild(list.lastChild);
  }

  function addOp(text, ms, failed) {
    var li = el('li', failed ? 'failed' : '');
    li.appendChild(el('time', '', fmtTime(Date.now())));
    li.appendChild(el('span', '', text));
    li.appendChild(el('span', 'ms', ms));
    var list = $('ops');
    list.insertBefore(li, list.firstChild);
    while (list.childNodes.length > 100) list.removeChild(list.lastChild);
  }

  function wireOps() {
    [['op-add', 'add'], ['op-set', 'set'], ['op-get', 'get']].forEach(function (f) {
      var form = $(f[0]);
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var body = { op: f[1] };
        Array.prototype.forEach.call(form.querySelectorAll('input'), function (i) { body[i.name] = i.value; });
        var button = form.querySelector('button');
        button.disabled = true;
        var t0 = performance.now();
        var label = f[1] + ' ' + (f[1] === 'add' ? JSON.stringify(body.data) : f[1] === 'set' ? body.key + '=' + body.value : body.key);
        post('/api/op', body).then(function (r) {
          var what = f[1] === 'get' ? label + ' → ' + JSON.stringify(r.result) : label + (r.result ? ' ✓ committed' : ' ✗ not committed');
          addOp(what, r.ms + ' ms (page ' + Math.round(performance.now() - t0) + ')', f[1] !== 'get' && !r.result);
        }).catch(function (err) {
          addOp(label + ': ' + err.message, Math.round(performance.now() - t0) + ' ms', true);
        }).then(function () { button.disabled = false; });
      });
    });
  }

  // ------------------------------------------------------------------ the stream

  function onSnapshot(s) {
    state.config = s.config;
    state.skew = s.t - Date.now();
    state.history = s.history;
    state.events = [];
    state.nodes = {};
    state.rows = {};
    var nodes = $('nodes');
    nodes.textContent = '';
    var ruler = $('index-ruler');
    ruler.textContent = '';
    ruler.appendChild(el('span', '', 'index'));
    ruler.appendChild(el('div', 'strip'));
    ruler.appendChild(el('span'));
    s.config.nodes.forEach(function (id) { nodes.appendChild(makeRow(id)); });
    $('events').textContent = '';
    s.events.forEach(addEvent);
    s.nodes.forEach(onNode);
  }

  function connect() {
    var es = new EventSource('/events');
    var conn = $('conn');
    es.addEventListener('open', function () { conn.textContent = 'live'; conn.setAttribute('data-conn', 'live'); });
    es.addEventListener('error', function () { conn.textContent = 'reconnecting'; conn.setAttribute('data-conn', 'lost'); });
    es.addEventListener('snapshot', function (m) { onSnapshot(JSON.parse(m.data)); });
    es.addEventListener('node', function (m) { if (state.config) onNode(JSON.parse(m.data)); });
    es.addEventListener('event', function (m) { if (state.config) addEvent(JSON.parse(m.data)); });
    es.addEventListener('sample', function (m) {
      state.history.push(JSON.parse(m.data));
      if (state.history.length > 4000) state.history.splice(0, state.history.length - 4000);
    });
  }

  wireOps();
  connect();
  setInterval(renderTimeline, 250);
})();
`;
