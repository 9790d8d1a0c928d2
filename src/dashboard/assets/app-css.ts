// The page's stylesheet (dark, so the term colours of the log strips carry the picture).
export const APP_CSS = String.raw`
:root { --bg:#0f1320; --panel:#171c2c; --line:#262d44; --text:#dfe4f2; --dim:#8891ab;
  --leader:#f5b82e; --follower:#4f7cff; --candidate:#ff6b5a; --precandidate:#ff9f6b; --down:#464d63; --suspended:#a66bff; --ok:#3ecf8e; --bad:#ff5a6a; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:13px/1.4 ui-sans-serif, system-ui, "DejaVu Sans", sans-serif; }
.top { display:flex; align-items:center; gap:18px; padding:10px 18px; border-bottom:1px solid var(--line); background:#12172a; }
h1 { font-size:18px; margin:0; letter-spacing:.5px; } h1 .dim { color:var(--dim); font-weight:400; }
h2 { font-size:13px; margin:0; text-transform:uppercase; letter-spacing:1px; color:var(--dim); }
.summary { flex:1; font-size:14px; } .summary b { color:var(--leader); }
.secs { color:var(--dim); } .secs input { width:56px; }
.conn { padding:2px 8px; border-radius:10px; font-size:12px; background:var(--down); }
.conn[data-conn=live] { background:#1d5c43; color:#b9f5d8; } .conn[data-conn=lost] { background:#6b2330; }
main { padding:12px 18px; display:flex; flex-direction:column; gap:12px; }
.panel { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
.panel-head { display:flex; align-items:baseline; gap:12px; margin-bottom:8px; } .hint { color:var(--dim); font-size:12px; }
.two { display:grid; grid-template-columns:1fr 1fr; gap:12px; }
input, button { font:inherit; color:var(--text); background:#0d1120; border:1px solid var(--line); border-radius:5px; padding:3px 7px; }
button { cursor:pointer; background:#232a42; } button:hover:not(:disabled) { background:#2f3858; } button:disabled { opacity:.45; cursor:default; }
.nodes { display:flex; flex-direction:column; gap:6px; }
.node { display:grid; grid-template-columns:340px 1fr 330px; gap:12px; align-items:center; padding:6px 10px; border-radius:7px;
  background:#12172a; border-left:5px solid var(--follower); transition:border-color .3s, background .3s; }
.node[data-role=leader] { border-left-color:var(--leader); background:linear-gradient(90deg, rgba(245,184,46,.13), #12172a 40%); }
.node[data-role=candidate] { border-left-color:var(--candidate); }
.node[data-role=down] { border-left-color:var(--down); opacity:.72; }
.node[data-suspended=true] { border-left-color:var(--suspended); }
.ident { display:flex; align-items:center; gap:8px; } .contact { margin-left:auto; white-space:nowrap; font-size:11px; color:var(--dim); font-family:ui-monospace, monospace; }
.contact.stale { color:var(--candidate); } .ident .name { font-weight:600; font-family:ui-monospace, "DejaVu Sans Mono", monospace; }
.badge { font-size:11px; font-weight:700; letter-spacing:.6px; padding:1px 7px; border-radius:9px; text-transform:uppercase; background:var(--follower); color:#fff; }
.node[data-role=leader] .badge { background:var(--leader); color:#221a00; } .node[data-role=candidate] .badge { background:var(--candidate); }
.node[data-raw-role=precandidate] .badge { background:var(--precandidate); } .node[data-role=down] .badge { background:var(--down); }
.node[data-suspended=true] .badge { background:var(--suspended); }
.facts { color:var(--dim); font-size:12px; margin-top:3px; font-family:ui-monospace, "DejaVu Sans Mono", monospace; } .facts b { color:var(--text); font-weight:500; }
.flags { margin-top:3px; font-size:12px; } .flag { display:inline-block; margin-right:6px; padding:0 6px; border-radius:4px; background:#2a2140; color:#d7c2ff; }
.flag.err { background:#3a1d25; color:#ffb3bd; } .flag.iso { background:#3a2a12; color:#ffd48a; }
.progress { margin-top:3px; font-size:11px; color:var(--dim); font-family:ui-monospace, "DejaVu Sans Mono", monospace; }
.progress span { display:inline-block; margin-right:8px; } .progress .lag { color:var(--candidate); } .progress .inactive { color:var(--bad); }
.strip { display:flex; gap:2px; overflow:hidden; min-height:26px; align-items:center; }
.ruler { display:grid; grid-template-columns:340px 1fr 330px; gap:12px; padding:0 15px; color:var(--dim); font-size:10px; font-family:ui-monospace, monospace; }
.ruler .strip { min-height:14px; } .ruler .tick { width:20px; flex:0 0 20px; text-align:center; }
.e { width:20px; flex:0 0 20px; height:24px; border-radius:3px; display:flex; align-items:center; justify-content:center; font-size:10px; font-weight:700;
  color:rgba(0,0,0,.7); border:2px solid transparent; transition:background .25s; }
.e[data-committed=false] { background:transparent !important; border-style:dashed; color:var(--text); }
.e.gap { background:transparent; border:1px dotted #2d3450; } .e.add { border-radius:50% / 30%; } .e.set { border-radius:3px 10px 3px 10px; } .e.noop { opacity:.55; }
.controls { display:flex; flex-wrap:wrap; gap:4px; justify-content:flex-end; align-items:center; }
.controls button { padding:2px 7px; font-size:12px; } .controls button[data-action=kill] { border-color:#6b2330; } .controls button[data-action=restart] { border-color:#1d5c43; }
.peers { display:flex; gap:2px; width:100%; white-space:nowrap; justify-content:flex-end; color:var(--dim); font-size:11px; align-items:center; }
.peers label { display:inline-flex; align-items:center; gap:1px; padding:0 3px; border:1px solid var(--line); border-radius:4px; cursor:pointer; }
.peers input { margin:0; width:11px; height:11px; }
.timeline { width:100%; height:180px; display:block; }
.timeline text { fill:var(--dim); font-size:11px; font-family:ui-monospace, monospace; } .timeline .tl-term { fill:#221a00; font-weight:700; font-size:10px; }
.legend { display:flex; gap:14px; font-size:11px; color:var(--dim); margin-top:4px; }
.lg::before { content:""; display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; vertical-align:-1px; }
.lg.leader::before { background:var(--leader); } .lg.follower::before { background:var(--follower); } .lg.candidate::before { background:var(--candidate); }
.lg.precandidate::before { background:var(--precandidate); } .lg.suspended::before { background:var(--suspended); } .lg.down::before { background:var(--down); }
.op { display:flex; gap:6px; margin-bottom:6px; } .op input { flex:1; min-width:0; } .op button { min-width:80px; }
.ops, .events { list-style:none; margin:6px 0 0; padding:0; max-height:210px; overflow:auto; font-family:ui-monospace, "DejaVu Sans Mono", monospace; font-size:12px; }
.ops li, .events li { padding:2px 0; border-bottom:1px solid #1e2438; display:flex; gap:8px; }
.ops .ms { margin-left:auto; color:var(--ok); } .ops li.failed .ms, .ops li.failed { color:var(--bad); }
.events time, .ops time { color:var(--dim); }
.events li[data-kind=leader] { color:var(--leader); } .events li[data-kind=election] { color:var(--precandidate); }
.events li[data-kind=down], .events li[data-kind=error] { color:var(--bad); } .events li[data-kind=up] { color:var(--ok); } .events li[data-kind=control] { color:#c7b3ff; }
@media (max-width: 1100px) { .node, .ruler { grid-template-columns:1fr; } .two { grid-template-columns:1fr; } }
`;
