// Draws a symptom's paths (server-prepared JSON) with cytoscape + dagre and
// shows the clicked node's panel. Every text goes in as textContent, never HTML.
(function () {
  const data = JSON.parse(document.getElementById('graph-data').textContent);
  const kinds = JSON.parse(document.getElementById('kind-labels').textContent);
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const colours = { symptom: '#d9534f', cause: '#f0ad4e', check: '#5bc0de', resolution: '#5cb85c' };
  const box = document.getElementById('graph');
  // Set through the CSSOM, not a style attribute: the pages' CSP allows no inline style.
  box.style.height = box.dataset.height + 'px';
  cytoscape.use(cytoscapeDagre);
  const cy = cytoscape({
    container: box,
    elements: [
      ...data.nodes.map((n) => ({ data: { id: n.id, label: n.label, kind: n.kind } })),
      ...data.edges.map((e, i) => ({ data: { id: 'e' + i, source: e.source, target: e.target, label: e.label || '', kind: e.kind } })),
    ],
    layout: { name: 'dagre', rankDir: 'LR', nodeSep: 12, rankSep: 70 },
    wheelSensitivity: 0.3,
    style: [
      { selector: 'node', style: {
        'label': 'data(label)', 'shape': 'round-rectangle', 'width': 'label', 'height': 'label',
        'padding': '8px', 'font-size': 12, 'text-wrap': 'wrap', 'text-max-width': 160,
        'text-valign': 'center', 'color': '#111', 'border-width': 1, 'border-color': '#666',
        'font-family': '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif' } },
      ...Object.entries(colours).map(([kind, colour]) => (
        { selector: `node[kind = "${kind}"]`, style: { 'background-color': colour } })),
      { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#123' } },
      { selector: 'edge', style: {
        'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'width': 1.5,
        'line-color': '#999', 'target-arrow-color': '#999', 'label': 'data(label)',
        'font-size': 10, 'text-background-color': '#fff', 'text-background-opacity': 1 } },
    ],
  });
  const edit = document.getElementById('panel-edit');
  function show(id) {
    const node = byId.get(id);
    if (!node) return;
    document.getElementById('panel-title').textContent = node.label;
    document.getElementById('panel-kind').textContent = kinds[node.kind];
    const body = document.getElementById('panel-body');
    body.replaceChildren();
    for (const section of node.sections) {
      const heading = document.createElement('h3');
      heading.textContent = section.label;
      body.append(heading);
      if (Array.isArray(section.body)) {
        const list = document.createElement('ol');
        for (const line of section.body) {
          const item = document.createElement('li');
          item.textContent = line;
          list.append(item);
        }
        body.append(list);
      } else {
        const text = document.createElement('p');
        text.textContent = section.body;
        body.append(text);
      }
    }
    document.getElementById('panel').dataset.node = id;
    if (edit) {
      edit.href = edit.dataset.base.replace('__id__', encodeURIComponent(id));
      edit.hidden = false;
    }
  }
  cy.on('tap', 'node', (event) => show(event.target.id()));
  window.kgdiagGraph = cy;  // for the browser tests: node positions to click
})();
