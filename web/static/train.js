// Draws one cause path of a symptom (server-prepared JSON) with cytoscape +
// dagre, left to right, and shows the clicked node's panel. The outline below
// is the same tree as text: its buttons select nodes too, so keyboard users
// and phones (where the canvas is hidden) get the same panel. Every text goes
// in as textContent, never HTML.
(function () {
  const data = JSON.parse(document.getElementById('graph-data').textContent);
  const kinds = JSON.parse(document.getElementById('kind-labels').textContent);
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  // Light fills with dark text and a dark border: readable (WCAG AA) in print too.
  const fills = { symptom: '#fde2e1', cause: '#fff0c7', check: '#dcf1fa', resolution: '#dff3df' };
  const borders = { symptom: '#b3261e', cause: '#8a5a00', check: '#0b6e8e', resolution: '#2e7d32' };
  const FONT = 15;
  // Chinese wraps between any two characters; English only between words.
  const wrapAt = document.documentElement.lang.startsWith('zh') ? 'anywhere' : 'whitespace';
  const WRAP = 210;
  const family = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  const box = document.getElementById('graph');
  const edit = document.getElementById('panel-edit');
  let cy = null;

  // Node sizes measured here: cytoscape's 'width: label' is deprecated and warns.
  const measure = document.createElement('canvas').getContext('2d');
  measure.font = `${FONT}px ${family}`;
  function lines(text) {
    return text.split('\n').reduce(
      (sum, line) => sum + Math.max(1, Math.ceil(measure.measureText(line).width / WRAP)), 0);
  }
  function label(node) {
    return node.kind === 'check' && node.meaning ? `${node.label}\n${kinds.fail_means}: ${node.meaning}` : node.label;
  }
  function size(text) {
    const widest = Math.max(...text.split('\n').map((l) => measure.measureText(l).width));
    // A margin for the drawn font being a little wider than the measured one.
    return { w: Math.min(WRAP, widest * 1.08) + 24, h: lines(text) * FONT * 1.3 + 20 };
  }

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
    for (const button of document.querySelectorAll('#outline .node-link')) {
      if (button.dataset.node === id && !button.dataset.href) button.setAttribute('aria-pressed', 'true');
      else button.removeAttribute('aria-pressed');
    }
    if (cy) {
      const chosen = cy.getElementById(id);
      cy.elements().removeClass('faded chosen');
      cy.elements().not(chosen.closedNeighborhood()).addClass('faded');
      chosen.addClass('chosen');
    }
  }

  // The canvas only where it is shown: on a phone the outline replaces it.
  if (box.offsetWidth > 0) {
    box.style.height = box.dataset.height + 'px';  // through the CSSOM: the CSP allows no inline style
    cytoscape.use(cytoscapeDagre);
    cy = cytoscape({
      container: box,
      elements: [
        ...data.nodes.map((n) => {
          const text = label(n);
          const { w, h } = size(text);
          return { data: { id: n.id, label: text, kind: n.kind, w, h } };
        }),
        ...data.edges.map((e, i) => ({ data: {
          id: 'e' + i, source: e.source, target: e.target, label: e.label || '', kind: e.kind,
          meaning: e.meaning || '' } })),
      ],
      // Resolutions one rank past the checks: a column of their own.
      layout: { name: 'dagre', rankDir: 'LR', nodeSep: 18, rankSep: 60,
        minLen: (edge) => (edge.data('kind') === 'resolved_by' ? 2 : 1) },
      userZoomingEnabled: false,  // the wheel scrolls the page; the buttons zoom
      boxSelectionEnabled: false,
      minZoom: 0.3,
      maxZoom: 2.5,
      style: [
        { selector: 'node', style: {
          'label': 'data(label)', 'shape': 'round-rectangle', 'width': 'data(w)', 'height': 'data(h)',
          'font-size': FONT, 'text-wrap': 'wrap', 'text-max-width': WRAP, 'text-overflow-wrap': wrapAt, 'line-height': 1.3,
          'text-valign': 'center', 'text-halign': 'center', 'color': '#111', 'border-width': 2,
          'font-family': family } },
        ...Object.keys(fills).map((kind) => ({ selector: `node[kind = "${kind}"]`,
          style: { 'background-color': fills[kind], 'border-color': borders[kind] } })),
        { selector: 'edge', style: {
          'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'width': 2,
          'line-color': '#667', 'target-arrow-color': '#667', 'label': 'data(label)',
          'font-size': 13, 'color': '#222', 'text-background-color': '#fff', 'text-background-opacity': 1,
          'text-background-padding': 2 } },
        { selector: '.faded', style: { 'opacity': 0.3 } },
        { selector: 'node.chosen', style: { 'border-width': 5, 'border-color': '#111' } },
      ],
    });
    cy.on('tap', 'node', (event) => show(event.target.id()));
    const zoomBy = (factor) => {
      const centre = { x: box.clientWidth / 2, y: box.clientHeight / 2 };
      cy.zoom({ level: cy.zoom() * factor, renderedPosition: centre });
    };
    document.getElementById('zoom-in').addEventListener('click', () => zoomBy(1.25));
    document.getElementById('zoom-out').addEventListener('click', () => zoomBy(0.8));
    document.getElementById('zoom-fit').addEventListener('click', () => cy.fit(undefined, 20));
    cy.fit(undefined, 20);
    if (cy.zoom() > 1) cy.zoom({ level: 1, renderedPosition: { x: box.clientWidth / 2, y: box.clientHeight / 2 } });
    cy.center();
    window.kgdiagGraph = cy;  // for the browser tests: node positions to click
  } else {
    for (const control of document.querySelectorAll('.train-zoom button')) control.disabled = true;
  }

  for (const button of document.querySelectorAll('#outline .node-link')) {
    button.addEventListener('click', () => {
      if (button.dataset.href) {
        window.location.href = `${button.dataset.href}&node=${encodeURIComponent(button.dataset.node)}`;
      } else {
        show(button.dataset.node);
        document.getElementById('panel').scrollIntoView({ block: 'nearest' });
      }
    });
  }
  const wanted = new URLSearchParams(window.location.search).get('node');
  if (wanted) show(wanted);
})();
