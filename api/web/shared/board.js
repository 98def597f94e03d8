// The public board (公示栏) at /board/{region code}: this month's figures and resolved reports
// with photos before and after, from GET /v1/board/{region}; no log-in, nothing personal.

const main = document.getElementById('board');

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'className') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

const pct = (x) => (x === null || x === undefined ? '—' : (x * 100).toFixed(1) + '%');
const day = (iso) => (iso ? new Date(iso).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai', month: 'long', day: 'numeric' }) : '');

function photo(p, caption) {
  return el('figure', {}, p ? el('img', { src: p.thumb_url, alt: caption, loading: 'lazy' }) : el('img', { alt: '' }),
    el('figcaption', {}, caption));
}

async function show() {
  const code = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
  const res = await fetch('/v1/board/' + encodeURIComponent(code));
  const board = await res.json().catch(() => null);
  if (!res.ok) {
    main.replaceChildren(el('p', {}, res.status === 404 ? '没有这个村（社区）。' : '暂时打不开，请稍后再试。'));
    return;
  }
  document.title = board.region.name + ' · 村务公示栏';
  const [year, month] = board.month.split('-');
  main.replaceChildren(
    el('h1', {}, board.region.name, ' 公示栏'),
    el('p', { className: 'muted' }, `${year}年${Number(month)}月 群众诉求办理情况`),
    el('div', { className: 'figures' },
      el('div', { className: 'figure', 'data-figure': 'received' }, el('div', { className: 'value' }, board.received), '本月受理'),
      el('div', { className: 'figure', 'data-figure': 'completion_rate' }, el('div', { className: 'value' }, pct(board.completion_rate)), '办结率'),
      el('div', { className: 'figure', 'data-figure': 'satisfaction_rate' }, el('div', { className: 'value' }, pct(board.satisfaction_rate)), '满意率')),
    ...(board.items.length ? board.items.map((i) => el('article', { className: 'item', 'data-case': i.case_number },
      el('strong', {}, i.category_name), ' ', el('span', { className: 'muted' }, day(i.created_at), ' 上报 · ', day(i.resolved_at), ' 办结'),
      el('p', {}, i.description),
      el('div', { className: 'pair' }, photo(i.before[0], '处理前'), photo(i.after[0], '处理后')))) : [el('p', { className: 'muted' }, '本月还没有办结的事项。')]));
  main.dataset.loaded = '1';
}

show().catch(() => main.replaceChildren(el('p', {}, '暂时打不开，请稍后再试。')));
