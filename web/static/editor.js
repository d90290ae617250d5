// The editor's helpers. Loaded as a file: the pages' CSP allows no inline
// script. Every text comes from the page (data-* attributes of #editor-texts),
// never from here, so the page's language holds. The server checks everything
// again; these only say it sooner, at the field.
'use strict';

const TEXTS = document.getElementById('editor-texts');

function say(name, values) {
  let text = (TEXTS && TEXTS.dataset[name]) || '';
  for (const [key, value] of Object.entries(values || {})) {
    text = text.split('{' + key + '}').join(value);
  }
  return text;
}

function problemOf(input) {
  return document.getElementById(input.id + '-problem');
}

function showProblem(input, text) {
  const box = problemOf(input);
  if (!box) return;
  const holder = input.closest('.sfield');
  box.textContent = text;
  box.hidden = !text;
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  if (holder) holder.classList.toggle('bad', Boolean(text));
}

// Numbers: the range read from the schema, said at the field as one types.
function numberProblem(input) {
  const raw = input.value.trim();
  if (!raw) return '';
  const value = Number(raw);
  if (!Number.isFinite(value)) return say('notNumber', {value: raw});
  const low = input.dataset.min === undefined ? null : Number(input.dataset.min);
  const high = input.dataset.max === undefined ? null : Number(input.dataset.max);
  const tooLow = low !== null && (input.dataset.above ? value <= low : value < low);
  if (tooLow || (high !== null && value > high)) {
    return say('outOfRange', {value: raw, range: input.dataset.range || ''});
  }
  if (input.dataset.integer && !Number.isInteger(value)) return say('notWhole', {value: raw});
  return '';
}

// Ids and other patterned strings (the id of a new node).
function patternProblem(input) {
  const raw = input.value.trim();
  if (!raw) return '';
  return new RegExp(input.dataset.pattern).test(raw) ? '' : say('badId', {value: raw});
}

document.querySelectorAll('input.number[data-range]').forEach((input) => {
  input.addEventListener('input', () => showProblem(input, numberProblem(input)));
});
document.querySelectorAll('input[data-pattern]').forEach((input) => {
  input.addEventListener('input', () => showProblem(input, patternProblem(input)));
});

// The variable picker: insert {{ name }} where the cursor was in the last
// template box of this field that had the focus (the Chinese one at first).
const lastFocused = new Map();
document.querySelectorAll('textarea.template').forEach((area) => {
  area.addEventListener('focus', () => {
    const holder = area.closest('fieldset');
    if (holder) lastFocused.set(holder, area);
  });
});

function insertAt(area, text) {
  const start = area.selectionStart ?? area.value.length;
  const end = area.selectionEnd ?? start;
  area.value = area.value.slice(0, start) + text + area.value.slice(end);
  const cursor = start + text.length;
  area.focus();
  area.setSelectionRange(cursor, cursor);
  area.dispatchEvent(new Event('input', {bubbles: true}));
}

document.querySelectorAll('button.insert-variable').forEach((button) => {
  // mousedown would move the focus away from the box and lose the cursor
  button.addEventListener('mousedown', (event) => event.preventDefault());
  button.addEventListener('click', () => {
    const holder = button.closest('fieldset');
    const area = lastFocused.get(holder) || holder.querySelector('textarea.template');
    if (area) insertAt(area, '{{ ' + button.dataset.variable + ' }}');
  });
});

// The live preview: the field's two texts rendered on a sample order, in the
// sandbox the replies use, a moment after the typing stops.
const PREVIEW_URL = TEXTS && TEXTS.dataset.previewUrl;
const CSRF = document.querySelector('input[name=csrf_token]');

function previewOf(holder) {
  return holder.querySelector('.live-preview');
}

async function refresh(holder) {
  const box = previewOf(holder);
  const areas = holder.querySelectorAll('textarea.template');
  if (!box || !PREVIEW_URL || !CSRF || areas.length === 0) return;
  const body = new FormData();
  body.append('csrf_token', CSRF.value);
  const example = document.getElementById('preview-example');
  if (example) body.append('example', example.value);
  areas.forEach((area) => body.append(area.dataset.lang, area.value));
  const problem = box.querySelector('.preview-problem');
  let answer;
  try {
    const response = await fetch(PREVIEW_URL, {method: 'POST', body, credentials: 'same-origin'});
    if (!response.ok) throw new Error('preview answered ' + response.status);
    answer = await response.json();
  } catch (err) {
    problem.textContent = say('previewFailed');
    problem.hidden = false;
    return;
  }
  const problems = [];
  for (const lang of ['zh', 'en']) {
    const part = answer[lang] || {};
    box.querySelector('.preview-' + lang).textContent = part.text || '';
    problems.push(...(part.problems || []));
  }
  problem.textContent = problems.join('; ');
  problem.hidden = problems.length === 0;
  box.dataset.rendered = String(Number(box.dataset.rendered || 0) + 1);
}

const timers = new Map();
document.querySelectorAll('textarea.template').forEach((area) => {
  const holder = area.closest('fieldset');
  if (!holder || !previewOf(holder)) return;
  area.addEventListener('input', () => {
    clearTimeout(timers.get(holder));
    timers.set(holder, setTimeout(() => refresh(holder), 350));
  });
});
// On load, only the fields with text (an empty meaning has nothing to show).
document.querySelectorAll('.live-preview').forEach((box) => {
  const holder = box.closest('fieldset');
  const written = holder && [...holder.querySelectorAll('textarea.template')].some((a) => a.value.trim());
  if (written) refresh(holder);
});
