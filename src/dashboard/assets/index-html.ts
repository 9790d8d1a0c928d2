// The page's HTML shell; app.js fills it from the server's event stream. No external resources (works offline).
export const INDEX_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>raft-xmlrpc dashboard</title>
<link rel="stylesheet" href="app.css">
<link rel="icon" href="data:,">
</head>
<body>
<header class="top">
  <h1>raft<span class="dim">-xmlrpc</span></h1>
  <div id="summary" class="summary">connecting…</div>
  <label class="secs">faults last <input id="fault-seconds" type="number" min="1" max="3600" value="5"> s</label>
  <span id="conn" class="conn" data-conn="connecting">connecting</span>
</header>
<main>
  <section class="panel">
    <div class="panel-head"><h2>Nodes and logs</h2><span class="hint">each square is a log entry, coloured by term; solid = committed, outlined = not yet</span></div>
    <div id="index-ruler" class="ruler"></div>
    <div id="nodes" class="nodes"></div>
  </section>
  <section class="panel">
    <div class="panel-head"><h2>Timeline</h2><span class="hint">last 60 s: role of each node; ◆ marks a new leader</span></div>
    <svg id="timeline" class="timeline" role="img" aria-label="role of each node over the last minute"></svg>
    <div class="legend">
      <span class="lg leader">leader</span><span class="lg follower">follower</span><span class="lg precandidate">pre-candidate</span>
      <span class="lg candidate">candidate</span><span class="lg suspended">suspended</span><span class="lg down">down</span>
    </div>
  </section>
  <div class="two">
    <section class="panel">
      <div class="panel-head"><h2>Client</h2><span class="hint">operations go to the leader, retried across failovers</span></div>
      <form id="op-add" class="op"><input name="data" placeholder="entry data" maxlength="1000" value="hello"><button data-op="add">add entry</button></form>
      <form id="op-set" class="op"><input name="key" placeholder="key" maxlength="200" value="x"><input name="value" placeholder="value" maxlength="1000" value="1"><button data-op="set">set</button></form>
      <form id="op-get" class="op"><input name="key" placeholder="key" maxlength="200" value="x"><button data-op="get">get</button></form>
      <ol id="ops" class="ops"></ol>
    </section>
    <section class="panel">
      <div class="panel-head"><h2>Events</h2><span class="hint">elections, leader changes, faults</span></div>
      <ol id="events" class="events"></ol>
    </section>
  </div>
</main>
<script src="app.js"></script>
</body>
</html>
`;
