// Duka console: plain modern JavaScript, no build step, no third-party code.
// It talks only to Duka's own API on this origin. The session token lives in the
// HttpOnly `access_token` cookie set by the login answer; this page never sees or
// stores it. Every screen is built with DOM calls (no HTML strings are parsed), so text from the
// database cannot become markup.
'use strict';

const main = document.getElementById('main');
const session = { user: null };

// ---------------------------------------------------------------- DOM helpers

/** Builds an element: h('button', {class: 'x', onclick: f}, 'text', child...). */
function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.className = value;
    else if (key === 'text') element.textContent = value;
    else if (key === 'value') element.value = value;
    else if (key === 'checked' || key === 'selected' || key === 'disabled') element[key] = Boolean(value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** SVG elements take presentation attributes, which the page's style policy allows. */
function svg(tag, attributes, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, String(value));
  return append(element, children);
}

/** A labelled form field; its error paragraph is `#<id>-error`. */
function field(id, label, control, hint) {
  control.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert' });
  if (control.type === 'checkbox') {
    return h('div', { class: 'field check' }, control, h('label', { for: id, text: label }), error);
  }
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), control, hint ? h('span', { class: 'muted', text: hint }) : null, error);
}

function select(options, current) {
  return h('select', {}, options.map(([value, text]) => h('option', { value, selected: String(current ?? '') === value }, text)));
}

function badge(text, kind) { return h('span', { class: `badge ${kind || ''}`, text }); }

function table(headers, rows, props) {
  return h('div', { class: 'table-wrap' }, h('table', props || {},
    h('thead', {}, h('tr', {}, headers.map((header) => {
      const [text, cls] = Array.isArray(header) ? header : [header];
      return h('th', { class: cls, scope: 'col' }, text);
    }))),
    h('tbody', {}, rows)));
}

function show(...nodes) {
  main.replaceChildren(...nodes.flat().filter(Boolean));
  const heading = main.querySelector('h1');
  document.title = heading ? `${heading.textContent} · Duka console` : 'Duka console';
}

let noticeTimer;
function notice(text) {
  const box = document.getElementById('notice');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

/** Resolves true when the person confirms in the dialog. */
function confirmAction(text, confirmLabel) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = confirmLabel || 'Confirm';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = 'cancel';
    dialog.showModal();
  });
}

// ---------------------------------------------------------------- the API

class APIError extends Error {
  constructor(status, code, message, errors, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors || {};
    this.retryAfter = retryAfter;
  }
}

/** Calls Duka's API with the session cookie; throws APIError with the server's words. */
async function api(method, path, body, contentType) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    // JSON, unless a content type says the body is already text (a CSV file).
    init.headers['Content-Type'] = contentType || 'application/json; charset=utf-8';
    init.body = contentType ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new APIError(0, 'network', 'Duka could not be reached. Check that the server is running, then try again.');
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (error) { data = null; }
  if (response.ok) return data;
  const message = (data && data.message) || `The server answered ${response.status} ${response.statusText}`.trim();
  const error = new APIError(response.status, data && data.code, message, data && data.errors, response.headers.get('Retry-After'));
  if (response.status === 401 && session.user && path !== '/api/v1/auth/login') {
    // The session ended elsewhere (signed out, deactivated, password changed, expired).
    session.user = null;
    signIn('Your session has ended. Please sign in again.');
    error.handled = true;
  }
  throw error;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** "Field: reason" lines for errors that have no field on screen. */
function describe(error) {
  if (!(error instanceof APIError)) return `Something went wrong in the console: ${error.message}`;
  const details = Object.entries(error.errors).map(([name, reason]) => `${name.replace(/_/g, ' ')} ${reason}`);
  return details.length ? `${error.message}: ${details.join('; ')}` : error.message;
}

/** Shows an error in `box` (or a page-level box), naming fields when they are on screen. */
function report(error, box, form) {
  if (error.handled) return;
  let unplaced = {};
  if (form) {
    for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
    for (const [name, reason] of Object.entries(error.errors || {})) {
      const slot = form.querySelector(`[data-field="${name}"]`);
      if (slot) slot.closest('.field').querySelector('.field-error').textContent = `${labelOf(slot)} ${reason}.`;
      else unplaced[name] = reason;
    }
  } else {
    unplaced = error.errors || {};
  }
  const placed = Object.keys(error.errors || {}).length > Object.keys(unplaced).length;
  const target = box || ensurePageError();
  target.textContent = error instanceof APIError
    ? describe(new APIError(error.status, error.code, error.message, unplaced)) + (placed ? ': see the marked fields.' : '')
    : describe(error);
  target.scrollIntoView({ block: 'nearest' });
}

function labelOf(control) {
  const label = control.id && document.querySelector(`label[for="${control.id}"]`);
  return label ? label.textContent.replace(/\s*\(.*\)$/, '') : control.dataset.field;
}

function ensurePageError() {
  let box = document.getElementById('page-error');
  if (!box) {
    box = h('p', { class: 'error', id: 'page-error', role: 'alert' });
    main.prepend(box);
  }
  return box;
}

function clearPageError() {
  const box = document.getElementById('page-error');
  if (box) box.textContent = '';
}

// ---------------------------------------------------------------- money and dates

/** "1234.50" -> 123450 (integer cents), exact. */
function cents(text) {
  const [whole, fraction = ''] = String(text).split('.');
  const sign = whole.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(parseInt(whole, 10)) * 100 + parseInt((fraction + '00').slice(0, 2), 10));
}

function money(value) {
  const total = typeof value === 'number' ? value : cents(value);
  const whole = Math.trunc(Math.abs(total) / 100).toLocaleString('en-US');
  const fraction = String(Math.abs(total) % 100).padStart(2, '0');
  return `KES ${total < 0 ? '-' : ''}${whole}.${fraction}`;
}

/** A typed amount ("250", "99.5", "1,200.00") as cents, or null when it is not one. */
function amountCents(text) {
  const plain = String(text).trim().replace(/,/g, '');
  return /^\d+(\.\d{1,2})?$/.test(plain) ? cents(plain) : null;
}

/** round_half_up(unit price in cents × quantity in thousandths ÷ 1000), exact (API.md 7.5). */
function lineCents(unitPrice, quantity) {
  const product = BigInt(cents(unitPrice)) * BigInt(Math.round(Number(quantity) * 1000));
  return Number((product + 500n) / 1000n);
}

/** The server's text (receipts and reports as printed), or throws as api() does. */
async function printedText(path, width) {
  const response = await fetch(`${path}${path.includes('?') ? '&' : '?'}format=text&width=${width || 48}`, { credentials: 'same-origin' });
  const text = await response.text();
  if (!response.ok) throw new APIError(response.status, 'print_failed', `The printout could not be fetched (${response.status})`);
  return text;
}

/** A printout on screen (monospace, as the paper shows it), with a button that prints its 80 mm HTML page. */
async function printout(path, id, label) {
  const pre = h('pre', { class: 'printout', id, text: await printedText(path) });
  const print = h('button', { type: 'button', class: 'secondary', id: `${id}-print` }, label || 'Print');
  print.addEventListener('click', () => {
    const page = window.open(`${path}${path.includes('?') ? '&' : '?'}format=html`, '_blank');
    if (page) page.addEventListener('load', () => page.print(), { once: true });
  });
  return h('div', { class: 'printout-box' }, pre,
    h('div', { class: 'actions' }, print, h('a', { href: `${path}?format=html`, target: '_blank', rel: 'noopener', id: `${id}-open`, text: 'Open printable page' })));
}

/** The caller's open shift, or null. */
async function myShift() {
  try { return (await api('GET', '/api/v1/shifts/current')).data; } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

function day(timestamp) { return timestamp ? timestamp.slice(0, 10) : ''; }
function when(timestamp) { return timestamp ? `${timestamp.slice(0, 10)} ${timestamp.slice(11, 16)}` : ''; }
function count(n) { return Number(n).toLocaleString('en-US'); }

function waitText(seconds) {
  const s = Number(seconds);
  if (!Number.isFinite(s) || s <= 0) return 'a few minutes';
  if (s < 60) return `${Math.ceil(s)} second${Math.ceil(s) === 1 ? '' : 's'}`;
  const minutes = Math.ceil(s / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------- roles and navigation

const STAFF = ['admin', 'manager', 'cashier', 'employee'];
const screens = [
  { path: 'dashboard', title: 'Dashboard', roles: ['employee', 'admin'], view: dashboardScreen },
  { path: 'customers', title: 'Customers', roles: ['employee', 'admin'], view: customersScreen },
  { path: 'users', title: 'Users', roles: ['admin', 'manager', 'cashier'], view: usersScreen },
  { path: 'products', title: 'Products', roles: ['admin', 'manager'], view: productsScreen },
  { path: 'till', title: 'Till', roles: STAFF, view: tillScreen },
  { path: 'shift', title: 'Shift', roles: STAFF, view: shiftScreen },
  { path: 'returns', title: 'Returns', roles: STAFF, view: returnsScreen },
  { path: 'stock', title: 'Stock', roles: STAFF, view: stockScreen },
  { path: 'settings', title: 'Settings', roles: ['admin'], view: settingsScreen },
  { path: 'shop', title: 'My carts', roles: ['customer'], view: shopScreen },
];

function homeOf(role) {
  return { admin: 'dashboard', employee: 'dashboard', manager: 'products', cashier: 'till', customer: 'shop' }[role] || 'shop';
}

/** "#/customers/12?page=2" -> {parts: ['customers', '12'], params: URLSearchParams}. */
function currentRoute() {
  const [path, search] = window.location.hash.replace(/^#\/?/, '').split('?');
  return { parts: path.split('/').filter(Boolean), params: new URLSearchParams(search || '') };
}

function go(path, params) { window.location.hash = `#/${path}${params ? query(params) : ''}`; }

function renderHeader() {
  const top = document.getElementById('top');
  const nav = document.getElementById('nav');
  if (!session.user) { top.hidden = true; return; }
  const current = currentRoute().parts[0];
  nav.replaceChildren(...screens.filter((s) => s.roles.includes(session.user.role)).map((s) =>
    h('a', { href: `#/${s.path}`, 'aria-current': s.path === current ? 'page' : null, text: s.title })));
  document.getElementById('whoami').textContent = `${session.user.username} (${session.user.role})`;
  top.hidden = false;
}

let renderCount = 0;
async function render() {
  if (!session.user) return signIn();
  const { parts, params } = currentRoute();
  const screen = screens.find((s) => s.path === parts[0]);
  if (!screen) return go(homeOf(session.user.role));
  renderHeader();
  if (!screen.roles.includes(session.user.role)) {
    return show(h('h1', { text: screen.title }), h('p', { class: 'error', role: 'alert', text: `The ${screen.title} screen is not available to the ${session.user.role} role.` }));
  }
  const mine = ++renderCount;
  try {
    const nodes = await screen.view(parts.slice(1), params);
    if (mine === renderCount && nodes) show(nodes);
  } catch (error) {
    if (mine !== renderCount || error.handled) return;
    show(h('h1', { text: screen.title }), h('p', { class: 'error', id: 'page-error', role: 'alert', text: describe(error) }),
      h('button', { type: 'button', onclick: render }, 'Try again'));
  }
}

// ---------------------------------------------------------------- sign in and out

function signIn(message) {
  session.user = null;
  renderHeader();
  const username = h('input', { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', id: 'signin-error', role: 'alert', text: message || '' });
  const button = h('button', { type: 'submit', id: 'signin-submit' }, 'Sign in');
  const form = h('form', { class: 'panel signin', id: 'signin-form' },
    h('h1', { text: 'Sign in to Duka' }),
    field('signin-username', 'Username or email', username),
    field('signin-password', 'Password', password),
    error, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = '';
    try {
      const answer = await api('POST', '/api/v1/auth/login', { username: username.value.trim(), password: password.value });
      session.user = answer.data.user;
      const { parts } = currentRoute();
      const wanted = screens.find((s) => s.path === parts[0] && s.roles.includes(session.user.role));
      if (wanted) render(); else go(homeOf(session.user.role));
    } catch (failure) {
      if (failure.status === 429) {
        error.textContent = `Too many sign-in attempts. Try again in ${waitText(failure.retryAfter)}.`;
      } else if (failure.code === 'account_inactive') {
        error.textContent = `${failure.message}. Ask an administrator to reactivate it.`;
      } else {
        error.textContent = describe(failure);
      }
      password.value = '';
      password.focus();
    } finally {
      button.disabled = false;
    }
  });
  show(form);
  username.focus();
}

async function signOut() {
  try {
    await api('POST', '/api/v1/auth/logout');
  } catch (error) {
    if (error.handled) return;  // the session had already ended: the sign-in form is showing
    // The server did not take the sign-out: say so rather than pretend the session is closed.
    report(new APIError(error.status, error.code, `Sign-out failed: ${error.message}`));
    return;
  }
  session.user = null;
  window.location.hash = '#/';
  signIn('You have signed out.');
}

// ---------------------------------------------------------------- shared pieces

/** Previous/next buttons and "page X of Y". */
function pager(pageNumber, pages, total, noun, onPage) {
  return h('div', { class: 'pager' },
    h('button', { type: 'button', class: 'secondary', id: 'page-prev', disabled: pageNumber <= 1, onclick: () => onPage(pageNumber - 1) }, 'Previous'),
    h('span', { id: 'page-status', text: `Page ${count(pageNumber)} of ${count(Math.max(pages, 1))} · ${count(total)} ${noun}` }),
    h('button', { type: 'button', class: 'secondary', id: 'page-next', disabled: pageNumber >= pages, onclick: () => onPage(pageNumber + 1) }, 'Next'));
}

/** Runs `action` (an API call), shows its message, then re-renders; errors go on the page. */
async function act(button, action, after) {
  button.disabled = true;
  clearPageError();
  try {
    const answer = await action();
    if (answer && answer.message) notice(answer.message);
    if (after) after(answer); else await render();
  } catch (error) {
    report(error);
  } finally {
    button.disabled = false;
  }
}

const productNames = new Map();
/** Product names and units for cart lines, fetched once per product. */
async function loadProducts(ids) {
  const missing = [...new Set(ids)].filter((id) => !productNames.has(id));
  await Promise.all(missing.map(async (id) => {
    try { productNames.set(id, (await api('GET', `/api/v1/products/${id}`)).data); } catch (error) {
      if (error.handled) throw error;
      productNames.set(id, { name: `Product #${id}`, unit: '', sku: '' });
    }
  }));
}

function productLabel(id) {
  const product = productNames.get(id);
  return product ? product.name : `Product #${id}`;
}

function cartTotal(cart) {
  return cart.total !== undefined ? cents(cart.total) : cart.items.reduce((sum, item) => sum + cents(item.line_total), 0);
}

function statusBadge(status) {
  return badge(status.replace('_', ' '), { active: 'ok', checked_out: '', abandoned: 'off' }[status]);
}

/** Carts with their lines folded away: the history on a customer's page and in "My carts". */
function cartHistory(carts) {
  if (!carts.length) return h('p', { class: 'muted', text: 'No carts yet.' });
  return h('div', { class: 'history' }, carts.map((cart) => h('details', { class: 'panel', 'data-cart': cart.id },
    h('summary', {}, `Cart #${cart.id} · `, statusBadge(cart.status), ` ${when(cart.created_at)} · ${cart.items_count} line${cart.items_count === 1 ? '' : 's'} · ${money(cartTotal(cart))}`),
    linesTable(cart, false))));
}

function linesTable(cart, editable, onChange) {
  const rows = cart.items.map((item) => {
    const product = productNames.get(item.product_id) || {};
    let quantityCell = `${item.quantity} ${product.unit || ''}`.trim();
    if (editable) {
      const inputID = `line-${item.id}-quantity`;
      const input = h('input', { class: 'qty', id: inputID, inputmode: 'decimal', value: item.quantity });
      const update = h('button', { type: 'button', class: 'small secondary' }, 'Update');
      update.addEventListener('click', () => onChange(update, 'PATCH', item, { quantity: input.value.trim() }));
      input.addEventListener('keydown', (event) => { if (event.key === 'Enter') { event.preventDefault(); update.click(); } });
      quantityCell = h('div', { class: 'actions' },
        h('label', { for: inputID, class: 'visually-hidden', text: `Quantity of ${productLabel(item.product_id)}` }),
        input, h('span', { class: 'muted', text: product.unit || '' }), update);
    }
    return h('tr', { 'data-item': item.id },
      h('td', {}, productLabel(item.product_id), product.sku ? h('div', { class: 'muted', text: product.sku }) : null),
      h('td', {}, quantityCell),
      h('td', { class: 'num', text: money(item.unit_price) }),
      h('td', { class: 'num', text: money(item.line_total) }),
      editable ? h('td', {}, h('button', { type: 'button', class: 'small secondary', onclick: (e) => onChange(e.currentTarget, 'DELETE', item) }, 'Remove')) : null);
  });
  const headers = ['Product', 'Quantity', ['Unit price', 'num'], ['Line total', 'num']];
  if (editable) headers.push('');
  const wrap = table(headers, rows, { class: 'lines', id: editable ? 'cart-lines' : null });
  wrap.querySelector('table').append(h('tfoot', {}, h('tr', {},
    h('td', { colspan: 3, text: 'Total' }), h('td', { class: 'num', id: editable ? 'cart-total' : null, text: money(cartTotal(cart)) }),
    editable ? h('td') : null)));
  return wrap;
}

/**
 * An active cart being filled: product search (by name or SKU) with a quantity, the
 * lines with editable quantities, the total, checkout and abandon. Used by the till
 * (staff, in store) and by customers (online).
 */
async function cartEditor(cart, options) {
  await loadProducts(cart.items.map((item) => item.product_id));
  const box = h('section', { class: 'panel', id: 'cart-panel', 'data-cart': cart.id, 'data-status': cart.status });
  const error = h('p', { class: 'error', id: 'cart-error', role: 'alert' });
  const redraw = async (answer) => { box.replaceWith(await cartEditor(answer.data, options)); };
  const change = async (button, method, item, body) => {
    button.disabled = true;
    error.textContent = '';
    try {
      const answer = await api(method, `/api/v1/carts/${cart.id}/items/${item.id}`, body);
      notice(answer.message);
      await redraw(answer);
    } catch (failure) { report(failure, error); button.disabled = false; }
  };
  append(box, [h('h2', {}, `Cart #${cart.id} `, statusBadge(cart.status), options.customerLabel ? h('span', { class: 'muted', text: ` for ${options.customerLabel}` }) : null)]);
  if (cart.status !== 'active') {
    append(box, [linesTable(cart, false),
      h('p', { class: 'total', id: 'cart-outcome', text: cart.status === 'checked_out' ? `Checked out: ${money(cartTotal(cart))}` : 'This cart was abandoned.' }),
      options.after ? await options.after(cart) : null]);
    return box;
  }
  const search = h('input', { 'data-field': 'product_id', autocomplete: 'off', placeholder: 'name or SKU' });
  const quantity = h('input', { 'data-field': 'quantity', class: 'qty', inputmode: 'decimal', value: '1' });
  const results = h('ul', { class: 'results', id: 'product-results', 'aria-label': 'Products found' });
  const form = h('form', { class: 'filters', id: 'add-item-form', role: 'search' },
    field('product-search', options.till ? 'Product (name, SKU, or scan a barcode)' : 'Product (name or SKU)', search),
    field('add-quantity', 'Quantity', quantity, 'e.g. 2 or 1.250 kg'),
    h('button', { type: 'submit', id: 'product-find' }, 'Find product'));
  const add = async (button, product) => {
    button.disabled = true;
    error.textContent = '';
    try {
      const answer = await api('POST', `/api/v1/carts/${cart.id}/items`, { product_id: product.id, quantity: quantity.value.trim() });
      productNames.set(product.id, product);
      notice(`${product.name} added`);
      await redraw(answer);
      const next = document.getElementById('product-search');
      if (next) next.focus();
    } catch (failure) { report(failure, error, form); button.disabled = false; }
  };
  // A barcode or a scale's label: the product's own code takes the quantity typed; a
  // label carries its own. False when no product has the code (then it is searched as text).
  const addScanned = async (code) => {
    let match;
    try { match = (await api('GET', `/api/v1/products/by-barcode/${encodeURIComponent(code)}`)).data; } catch (failure) {
      if (failure.status === 404) return false;
      report(failure, error);
      return true;
    }
    try {
      const body = match.quantity === null ? { barcode: code, quantity: quantity.value.trim() || '1' } : { barcode: code };
      const answer = await api('POST', `/api/v1/carts/${cart.id}/items`, body);
      productNames.set(match.product.id, match.product);
      notice(`${match.product.name} added${match.quantity === null ? '' : `: ${match.quantity} ${match.product.unit}`}`);
      await redraw(answer);
      const next = document.getElementById('product-search');
      if (next) { next.value = ''; next.focus(); }
    } catch (failure) { report(failure, error, form); }
    return true;
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const text = search.value.trim();
    if (!text) { error.textContent = 'Type part of a product name or its SKU.'; return; }
    if (options.till && /^[0-9]{5,14}$/.test(text) && await addScanned(text)) return;
    try {
      const found = (await api('GET', `/api/v1/products${query({ search: text, limit: 8 })}`)).data.products;
      const exact = found.find((p) => p.sku.toLowerCase() === text.toLowerCase());
      results.replaceChildren(...found.map((product) => {
        const button = h('button', { type: 'button', class: 'small', 'data-sku': product.sku }, 'Add');
        button.addEventListener('click', () => add(button, product));
        return h('li', {}, h('span', {}, h('strong', { text: product.name }), ` ${product.sku} · ${money(product.unit_price)} per ${product.unit}`), button);
      }));
      if (!found.length) results.replaceChildren(h('li', { class: 'muted', text: `No active product matches "${text}".` }));
      if (exact) add(results.querySelector(`[data-sku="${CSS.escape(exact.sku)}"]`), exact);
    } catch (failure) { report(failure, error); }
  });
  const checkout = h('button', { type: 'button', id: 'cart-checkout', class: options.shift ? 'secondary' : null, disabled: cart.items.length === 0 },
    options.shift ? 'Check out unpaid' : 'Check out');
  checkout.addEventListener('click', async () => {
    checkout.disabled = true;
    error.textContent = '';
    try {
      const answer = await api('POST', `/api/v1/carts/${cart.id}/checkout`);
      notice(answer.message);
      await redraw(answer);
    } catch (failure) { report(failure, error); checkout.disabled = false; }
  });
  const abandon = h('button', { type: 'button', class: 'secondary', id: 'cart-abandon' }, 'Abandon cart');
  abandon.addEventListener('click', async () => {
    if (!(await confirmAction(`Abandon cart #${cart.id}? Its lines are kept but it can no longer be checked out.`, 'Abandon cart'))) return;
    try {
      const answer = await api('POST', `/api/v1/carts/${cart.id}/abandon`);
      notice(answer.message);
      await redraw(answer);
    } catch (failure) { report(failure, error); }
  });
  append(box, [form, results, error,
    cart.items.length ? linesTable(cart, true, change) : h('p', { class: 'muted', id: 'cart-empty', text: 'No lines yet: find a product and add it.' }),
    h('p', { class: 'total' }, 'Total ', h('span', { id: 'cart-total-big', text: money(cartTotal(cart)) }),
      cart.vat_total !== undefined ? h('span', { class: 'muted', id: 'cart-vat', text: ` incl. VAT ${money(cart.vat_total)}` }) : null),
    options.till ? tenderPanel(cart, options.shift, redraw) : null,
    h('div', { class: 'actions' }, checkout, abandon)]);
  return box;
}

/**
 * Taking payment at the till (API.md 7.3): cash, M-Pesa with its confirmation code, and
 * card, in any mix; the change is worked out as amounts are typed (integer cents) and
 * shown large. Without an open shift the till cannot take money: it says where to open one.
 */
function tenderPanel(cart, shift, redraw) {
  if (!shift) {
    return h('p', { class: 'muted', id: 'till-no-shift' }, 'No open shift: ',
      h('a', { href: '#/shift', text: 'open a shift' }), ' to take cash, M-Pesa or card. A sale checked out without payment stays unpaid.');
  }
  const total = cartTotal(cart);
  const amount = (id) => h('input', { id, inputmode: 'decimal', autocomplete: 'off', class: 'amount', placeholder: '0.00' });
  const cash = amount('pay-cash');
  const mpesa = amount('pay-mpesa');
  const mpesaCode = h('input', { autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: 10, placeholder: 'e.g. SLK4H7Q2XP' });
  const card = amount('pay-card');
  const cardRef = h('input', { autocomplete: 'off', maxlength: 64 });
  const outcome = h('p', { class: 'change', id: 'pay-change', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', id: 'pay-error', role: 'alert' });
  const typed = (input) => (input.value.trim() === '' ? 0 : amountCents(input.value));
  const update = () => {
    const parts = [typed(cash), typed(mpesa), typed(card)];
    if (parts.some((part) => part === null)) { outcome.textContent = 'Amounts are shillings with at most 2 decimals, e.g. 250 or 99.50'; return; }
    const paid = parts.reduce((a, b) => a + b, 0);
    outcome.textContent = paid >= total ? `Change ${money(paid - total)}` : `Still due ${money(total - paid)}`;
    outcome.dataset.due = String(Math.max(0, total - paid));
  };
  for (const input of [cash, mpesa, card]) input.addEventListener('input', update);
  const exact = h('button', { type: 'button', class: 'secondary', id: 'pay-exact-cash' }, 'Exact cash');
  exact.addEventListener('click', () => {
    const rest = total - (typed(mpesa) || 0) - (typed(card) || 0);
    cash.value = money(Math.max(0, rest)).replace('KES ', '').replace(/,/g, '');
    update();
  });
  const submit = h('button', { type: 'submit', id: 'cart-pay' }, 'Take payment');
  const form = h('form', { class: 'panel tenders', id: 'tender-form' },
    h('h3', { text: `Payment · shift #${shift.id}` }),
    h('div', { class: 'form-grid' },
      field('pay-cash', 'Cash received', cash),
      field('pay-mpesa', 'M-Pesa amount', mpesa),
      field('pay-mpesa-code', 'M-Pesa code (10 characters)', mpesaCode),
      field('pay-card', 'Card amount', card),
      field('pay-card-ref', 'Card approval code', cardRef)),
    outcome, error, h('div', { class: 'actions' }, submit, exact));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    // The server names fields by their place in the list: payments.N.amount.
    const payments = [];
    const add = (method, input, reference, referenceInput) => {
      if (input.value.trim() === '' && !(referenceInput && referenceInput.value.trim())) {
        input.dataset.field = '';
        if (referenceInput) referenceInput.dataset.field = '';
        return;
      }
      const index = payments.length;
      input.dataset.field = `payments.${index}.amount`;
      if (referenceInput) referenceInput.dataset.field = `payments.${index}.reference`;
      payments.push({ method, amount: input.value.trim().replace(/,/g, ''), ...(reference !== undefined ? { reference } : {}) });
    };
    add('mpesa', mpesa, mpesaCode.value.trim().toUpperCase(), mpesaCode);
    add('card', card, cardRef.value.trim(), cardRef);
    add('cash', cash);
    if (!payments.length) { error.textContent = 'Type what the customer paid: cash, M-Pesa or card.'; cash.focus(); return; }
    submit.disabled = true;
    try {
      const answer = await api('POST', `/api/v1/carts/${cart.id}/checkout`, { payments });
      notice(`${answer.message}: receipt ${answer.data.receipt_number}`);
      await redraw(answer);
    } catch (failure) {
      report(failure, error, form);
      submit.disabled = false;
    }
  });
  update();
  return form;
}

/** A till sale once checked out: its receipt number, the change to hand over, and the receipt. */
async function saleDone(cart) {
  const paid = cart.payment_status === 'paid';
  return h('div', { class: 'sale-done', id: 'sale-done', 'data-receipt': cart.receipt_number },
    h('p', { class: 'total' }, `Receipt ${cart.receipt_number} · `, paid ? badge('paid', 'ok') : badge('unpaid', 'off')),
    paid ? h('p', { class: 'change big', id: 'sale-change', text: `Change ${money(cart.change)}` }) : null,
    await printout(`/api/v1/carts/${cart.id}/receipt`, 'receipt-text', 'Print receipt'));
}

// ---------------------------------------------------------------- dashboard

async function dashboardScreen(parts, params) {
  const branchID = params.get('branch') || '';
  const [figures, report_, branches] = await Promise.all([
    api('GET', '/employee/dashboard'),
    api('GET', `/api/v1/reports/sales${query({ days: 30, branch_id: branchID })}`),
    api('GET', '/api/v1/branches?limit=100'),
  ]);
  const branch = select([['', 'All branches'], ...branches.data.branches.map((b) => [String(b.id), `${b.code} · ${b.name}`])], branchID);
  branch.addEventListener('change', () => go('dashboard', { branch: branch.value }));
  const card = (id, label, value) => h('section', { class: 'card', id },
    h('h2', { text: label }), h('p', { class: 'figure', 'data-value': value, text: count(value) }));
  const statuses = report_.data.carts_by_status;
  const days = report_.data.days;
  const sales = days.map((d) => cents(d.total));
  return [
    h('div', { class: 'actions' }, h('h1', { text: 'Dashboard' }),
      h('button', { type: 'button', class: 'secondary small', onclick: render }, 'Refresh')),
    h('div', { class: 'filters' }, field('dash-branch', 'Branch (carts by status and sales)', branch)),
    h('div', { class: 'cards' },
      card('card-customers', 'Customers', figures.total_customers),
      card('card-products', 'Products', figures.total_products),
      card('card-carts', 'Carts', figures.total_carts)),
    h('div', { class: 'charts' },
      h('section', { class: 'card chart', id: 'chart-status' }, h('h2', { text: 'Carts by status' }),
        barChart(['active', 'checked_out', 'abandoned'].map((s) => ({ label: s.replace('_', ' '), value: statuses[s] || 0, kind: s })), count, 'Carts by status')),
      h('section', { class: 'card chart', id: 'chart-sales' }, h('h2', { text: 'Net sales per day (sales minus refunds), last 30 days (UTC)' }),
        barChart(days.map((d, i) => ({ label: d.date.slice(5), value: sales[i], title: `${d.date}: ${money(sales[i])} from ${d.carts} cart${d.carts === 1 ? '' : 's'}` })),
          (v) => money(v).replace('KES ', ''), 'Sales per day'),
        h('details', {}, h('summary', { text: 'Show as a table' }),
          table(['Date', ['Carts', 'num'], ['Sales', 'num']], days.map((d) => h('tr', {},
            h('td', { text: d.date }), h('td', { class: 'num', text: count(d.carts) }), h('td', { class: 'num', text: money(d.total) }))))))),
  ];
}

/**
 * A bar chart in SVG. Few bars carry their values and labels; many bars (days) label
 * every fifth day and keep their values in each bar's tooltip and the table beside.
 */
function barChart(bars, format, title) {
  const width = 520, height = 220, side = 24, bottom = 28, top = 18;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = (width - side * 2) / bars.length;
  const barWidth = Math.max(4, Math.min(64, slot * 0.7));
  const few = bars.length <= 12;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  chart.append(svg('line', { class: 'axis', x1: side, x2: width - side, y1: height - bottom, y2: height - bottom }));
  bars.forEach((bar, i) => {
    const x = side + slot * i + (slot - barWidth) / 2;
    // A day whose refunds outweigh its sales is drawn at zero; its value stays in the tooltip and table.
    const barHeight = Math.max(0, Math.round((height - bottom - top) * bar.value / max));
    const y = height - bottom - barHeight;
    chart.append(svg('rect', { class: `bar ${bar.kind || ''}`, x, y, width: barWidth, height: barHeight, rx: 2 },
      svg('title', {}, bar.title || `${bar.label}: ${format(bar.value)}`)));
    if (few || bar.value === max) {
      chart.append(svg('text', { class: 'chart-value', x: x + barWidth / 2, y: y - 4, 'text-anchor': 'middle' }, format(bar.value)));
    }
    if (few || (bars.length - 1 - i) % 5 === 0) {
      chart.append(svg('text', { class: 'chart-label', x: x + barWidth / 2, y: height - 10, 'text-anchor': 'middle' }, bar.label));
    }
  });
  return chart;
}

// ---------------------------------------------------------------- customers (employee portal)

async function customersScreen(parts, params) {
  if (parts[0]) return customerScreen(parts[0]);
  const pageNumber = Number(params.get('page') || 1);
  const search = params.get('search') || '';
  const active = params.get('is_active') || '';
  const deleted = params.get('include_deleted') === 'true';
  const answer = await api('GET', `/employee/customers${query({ page: pageNumber, per_page: 20, search, is_active: active, include_deleted: deleted ? 'true' : '' })}`);
  const searchInput = h('input', { type: 'search', value: search, placeholder: 'name, email, phone or ID number' });
  const activeSelect = select([['', 'Any'], ['true', 'Active'], ['false', 'Inactive']], active);
  const deletedBox = h('input', { type: 'checkbox', checked: deleted });
  const filters = { search, is_active: active, include_deleted: deleted ? 'true' : '' };
  const form = h('form', { class: 'filters', id: 'customer-filters', role: 'search' },
    field('customer-search', 'Search customers', searchInput),
    field('customer-active', 'Status', activeSelect),
    field('customer-deleted', 'Include deleted', deletedBox),
    h('button', { type: 'submit', id: 'customer-search-submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go('customers', { search: searchInput.value.trim(), is_active: activeSelect.value, include_deleted: deletedBox.checked ? 'true' : '' });
  });
  const { pagination, customers } = answer;
  const rows = customers.map((c) => h('tr', { 'data-id': c.id },
    h('td', { class: 'num', text: c.id }),
    h('td', {}, h('a', { href: `#/customers/${c.id}`, text: c.full_name || c.username })),
    h('td', { text: c.username }),
    h('td', { text: c.email }),
    h('td', { text: c.phone_number || '' }),
    h('td', { text: c.county || '' }),
    h('td', {}, c.is_active ? badge('active', 'ok') : badge('inactive', 'off'), c.deleted_at ? badge('deleted', 'gone') : null)));
  return [
    h('h1', { text: 'Customers' }), form,
    customers.length ? table([['ID', 'num'], 'Name', 'Username', 'Email', 'Phone', 'County', 'Status'], rows, { id: 'customer-table' })
      : h('p', { class: 'muted', id: 'customer-none', text: 'No customers match these filters.' }),
    pager(pagination.page, pagination.pages, pagination.total, 'customers', (p) => go('customers', { ...filters, page: p })),
  ];
}

async function customerScreen(id) {
  const { customer } = await api('GET', `/employee/customers/${encodeURIComponent(id)}`);
  await loadProducts(customer.carts.flatMap((cart) => cart.items.map((item) => item.product_id)));
  const name = customer.full_name || customer.username;
  const action = (buttonID, label, path, method, question, danger) => {
    const button = h('button', { type: 'button', id: buttonID, class: danger ? 'danger' : '' }, label);
    button.addEventListener('click', async () => {
      if (!(await confirmAction(question, label))) return;
      act(button, () => api(method, `/employee/customers/${customer.id}${path}`));
    });
    return button;
  };
  const profile = [
    ['Username', customer.username], ['Email', customer.email], ['Phone', customer.phone_number], ['ID number', customer.id_number],
    ['County', customer.county], ['Town', customer.town], ['Street', customer.street],
    ['Created', when(customer.created_at)], ['Updated', when(customer.updated_at)], ['Deleted', when(customer.deleted_at)],
  ].filter(([, value]) => value);
  return [
    h('p', {}, h('a', { href: '#/customers', text: '← All customers' })),
    h('h1', {}, name, ' ', customer.is_active ? badge('active', 'ok') : badge('inactive', 'off'), customer.deleted_at ? badge('deleted', 'gone') : null),
    h('section', { class: 'panel' },
      h('dl', { class: 'profile', id: 'customer-profile' }, profile.map(([label, value]) => [h('dt', { text: label }), h('dd', { text: value })])),
      h('div', { class: 'actions', id: 'customer-actions' },
        customer.deleted_at
          ? action('customer-restore', 'Restore customer', '/restore', 'POST', `Restore ${name}? They will be listed again and can sign in if active.`)
          : action('customer-delete', 'Delete customer', '', 'DELETE', `Delete ${name}? They are hidden from the list and signed out; their carts are kept and you can restore them.`, true),
        customer.is_active
          ? action('customer-deactivate', 'Deactivate', '/deactivate', 'POST', `Deactivate ${name}? They are signed out and cannot sign in until activated.`, true)
          : action('customer-activate', 'Activate', '/activate', 'POST', `Activate ${name}?`))),
    h('h2', { text: `Carts (${customer.total_carts})` }),
    cartHistory(customer.carts),
  ];
}

// ---------------------------------------------------------------- users (staff users API)

const ROLES = ['admin', 'manager', 'cashier', 'employee', 'customer'];

async function usersScreen(parts, params) {
  if (parts[0]) return userFormScreen(parts[0] === 'new' ? null : parts[0]);
  const isAdmin = session.user.role === 'admin';
  const filters = {
    search: params.get('search') || '', role: params.get('role') || '', status: params.get('status') || 'active',
    sort_by: params.get('sort_by') || 'created_at', sort_order: params.get('sort_order') || 'desc',
  };
  const pageNumber = Number(params.get('page') || 1);
  const answer = await api('GET', `/api/v1/users${query({ ...filters, page: pageNumber, limit: 20 })}`);
  const controls = {
    search: h('input', { type: 'search', value: filters.search, placeholder: 'username or email' }),
    role: select([['', 'Any role'], ...ROLES.map((r) => [r, r])], filters.role),
    status: select([['active', 'Not deleted'], ['deleted', 'Deleted'], ['all', 'All']], filters.status),
    sort_by: select([['created_at', 'Created'], ['username', 'Username']], filters.sort_by),
    sort_order: select([['desc', 'Descending'], ['asc', 'Ascending']], filters.sort_order),
  };
  const form = h('form', { class: 'filters', id: 'user-filters', role: 'search' },
    field('user-search', 'Search users', controls.search), field('user-role', 'Role', controls.role),
    field('user-status', 'Status', controls.status), field('user-sort', 'Sort by', controls.sort_by),
    field('user-order', 'Order', controls.sort_order), h('button', { type: 'submit', id: 'user-search-submit' }, 'Apply'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go('users', Object.fromEntries(Object.entries(controls).map(([k, c]) => [k, c.value.trim()])));
  });
  const { users, pagination } = answer.data;
  const rows = users.map((u) => {
    let actions = null;
    if (isAdmin) {
      const toggle = h('button', { type: 'button', class: 'small secondary' }, u.is_active ? 'Deactivate' : 'Activate');
      toggle.addEventListener('click', () => act(toggle, () => api('POST', `/api/v1/users/${u.id}/toggle-status`)));
      const remove = h('button', { type: 'button', class: 'small danger' }, 'Delete');
      remove.addEventListener('click', async () => {
        if (!(await confirmAction(`Delete ${u.username} for good? This cannot be undone. Users who own carts cannot be deleted; deactivate them instead.`, 'Delete user'))) return;
        act(remove, () => api('DELETE', `/api/v1/users/${u.id}`));
      });
      actions = h('div', { class: 'actions' }, h('a', { class: 'button small secondary', href: `#/users/${u.id}`, text: 'Edit' }), toggle, remove);
    }
    return h('tr', { 'data-username': u.username },
      h('td', { text: u.username }), h('td', { text: u.email }), h('td', { text: u.role }),
      h('td', {}, u.is_active ? badge('active', 'ok') : badge('inactive', 'off')),
      h('td', { text: day(u.created_at) }), isAdmin ? h('td', {}, actions) : null);
  });
  const headers = ['Username', 'Email', 'Role', 'Status', 'Created'];
  if (isAdmin) headers.push('Actions');
  return [
    h('div', { class: 'actions' }, h('h1', { text: 'Users' }), isAdmin ? h('a', { class: 'button', id: 'user-new', href: '#/users/new', text: 'New user' }) : null),
    form,
    users.length ? table(headers, rows, { id: 'user-table' }) : h('p', { class: 'muted', text: 'No users match these filters.' }),
    pager(pagination.current_page, pagination.total_page, pagination.total_data, 'users', (p) => go('users', { ...filters, page: p })),
  ];
}

const PROFILE_FIELDS = [['full_name', 'Full name'], ['id_number', 'ID number'], ['phone_number', 'Phone (E.164, e.g. +254712345678)'],
  ['county', 'County'], ['town', 'Town'], ['street', 'Street']];

async function userFormScreen(uuid) {
  if (session.user.role !== 'admin') {
    return [h('h1', { text: 'Users' }), h('p', { class: 'error', role: 'alert', text: 'Only an admin can create or edit users.' })];
  }
  const existing = uuid ? (await api('GET', `/api/v1/users/${encodeURIComponent(uuid)}`)).data : null;
  const controls = {
    username: h('input', { autocomplete: 'off', value: existing?.username }),
    email: h('input', { type: 'email', autocomplete: 'off', value: existing?.email }),
    password: h('input', { type: 'password', autocomplete: 'new-password' }),
    role: select(ROLES.map((r) => [r, r]), existing?.role || 'cashier'),
    is_active: h('input', { type: 'checkbox', checked: existing ? existing.is_active : true }),
  };
  for (const [name] of PROFILE_FIELDS) controls[name] = h('input', { value: existing?.[name] });
  for (const [name, control] of Object.entries(controls)) control.dataset.field = name;
  const formError = h('p', { class: 'error', id: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', id: 'user-save' }, existing ? 'Save changes' : 'Create user');
  const form = h('form', { class: 'panel', id: 'user-form', novalidate: true },
    h('div', { class: 'form-grid' },
      field('user-username', 'Username', controls.username),
      field('user-email', 'Email', controls.email),
      field('user-password', existing ? 'New password (leave empty to keep)' : 'Password', controls.password, '6 to 100 characters'),
      field('user-role-select', 'Role', controls.role),
      PROFILE_FIELDS.map(([name, label]) => field(`user-${name}`, label, controls[name]))),
    field('user-active', 'Active', controls.is_active),
    formError,
    h('div', { class: 'actions' }, submit, h('a', { class: 'button secondary', href: '#/users', text: 'Cancel' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    for (const [name, control] of Object.entries(controls)) {
      const value = control.type === 'checkbox' ? control.checked : control.value.trim();
      if (name === 'password' && value === '' && existing) continue;
      if (!existing) { if (value !== '') body[name] = value; continue; }
      const before = existing[name] ?? '';
      if (value !== before) body[name] = value === '' && PROFILE_FIELDS.some(([n]) => n === name) ? null : value;
    }
    if (existing && Object.keys(body).length === 0) { formError.textContent = 'Nothing changed.'; return; }
    submit.disabled = true;
    formError.textContent = '';
    try {
      const answer = existing ? await api('PUT', `/api/v1/users/${existing.id}`, body) : await api('POST', '/api/v1/users', body);
      notice(answer.message);
      go('users', existing ? null : { search: answer.data.username, status: 'all' });
    } catch (error) {
      report(error, formError, form);
    } finally { submit.disabled = false; }
  });
  return [h('p', {}, h('a', { href: '#/users', text: '← All users' })), h('h1', { text: existing ? `Edit ${existing.username}` : 'New user' }), form];
}

// ---------------------------------------------------------------- products

async function productsScreen(parts, params) {
  if (parts[0] === 'import') return productImportScreen();
  if (parts[0]) return productFormScreen(parts[0] === 'new' ? null : parts[0]);
  const filters = { search: params.get('search') || '', include_inactive: params.get('include_inactive') === 'true' ? 'true' : '' };
  const pageNumber = Number(params.get('page') || 1);
  const answer = await api('GET', `/api/v1/products${query({ ...filters, page: pageNumber, limit: 20 })}`);
  const searchInput = h('input', { type: 'search', value: filters.search, placeholder: 'name or SKU' });
  const inactiveBox = h('input', { type: 'checkbox', checked: Boolean(filters.include_inactive) });
  const form = h('form', { class: 'filters', id: 'product-filters', role: 'search' },
    field('product-filter-search', 'Search products', searchInput), field('product-filter-inactive', 'Include inactive', inactiveBox),
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go('products', { search: searchInput.value.trim(), include_inactive: inactiveBox.checked ? 'true' : '' });
  });
  const { products, pagination } = answer.data;
  const rows = products.map((p) => {
    const toggle = h('button', { type: 'button', class: 'small secondary' }, p.is_active ? 'Deactivate' : 'Activate');
    toggle.addEventListener('click', () => act(toggle, () => api('PUT', `/api/v1/products/${p.id}`, { is_active: !p.is_active })));
    return h('tr', { 'data-sku': p.sku },
      h('td', { text: p.sku }), h('td', { text: p.name }), h('td', { text: p.unit }), h('td', { class: 'num', text: money(p.unit_price) }),
      h('td', {}, p.is_active ? badge('active', 'ok') : badge('inactive', 'off')),
      h('td', {}, h('div', { class: 'actions' }, h('a', { class: 'button small secondary', href: `#/products/${p.id}`, text: 'Edit' }), toggle)));
  });
  return [
    h('div', { class: 'actions' }, h('h1', { text: 'Products' }), h('a', { class: 'button', id: 'product-new', href: '#/products/new', text: 'New product' }),
      h('a', { class: 'button secondary', id: 'products-import', href: '#/products/import', text: 'Import CSV' }),
      h('a', { class: 'button secondary', id: 'products-export', href: '/api/v1/export/products.csv', download: 'products.csv', text: 'Download CSV' })),
    form,
    products.length ? table(['SKU', 'Name', 'Unit', ['Price', 'num'], 'Status', 'Actions'], rows, { id: 'product-table' })
      : h('p', { class: 'muted', text: 'No products match these filters.' }),
    pager(pagination.current_page, pagination.total_page, pagination.total_data, 'products', (p) => go('products', { ...filters, page: p })),
  ];
}

/** "row 12.unit_price" -> [12, "unit_price"]; header and other keys sort first. */
function importProblemPlace(key) {
  const match = /^row (\d+)(?:\.(.+))?$/.exec(key);
  return match ? [Number(match[1]), match[2] || '(whole row)'] : [0, key];
}

/** Import a catalogue: a dry run first shows what would change or every bad row; only a clean check can be imported. */
function productImportScreen() {
  const file = h('input', { type: 'file', accept: '.csv,text/csv' });
  const check = h('button', { type: 'submit', id: 'import-check' }, 'Check file');
  const formError = h('p', { class: 'error', id: 'form-error', role: 'alert' });
  const preview = h('div', { id: 'import-preview' });
  let text = null;
  const run = async (dryRun) => api('POST', `/api/v1/products/import${dryRun ? '?dry_run=true' : ''}`, text, 'text/csv; charset=utf-8');
  const form = h('form', { class: 'panel', id: 'import-form', novalidate: true },
    h('p', { class: 'muted', text: 'Columns: sku, name, unit_price (required); description, unit, tax_class, barcodes (separated by ;), '
      + 'is_active, track_stock, low_stock_threshold (optional). Rows are matched by SKU: new SKUs are created, known ones updated. '
      + 'Nothing is written unless every row is right. A file downloaded from the products list can be edited and imported back.' }),
    field('import-file', 'CSV file (up to 20 MiB)', file),
    formError, h('div', { class: 'actions' }, check, h('a', { class: 'button secondary', href: '#/products', text: 'Cancel' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError.textContent = '';
    preview.replaceChildren();
    const chosen = file.files[0];
    if (!chosen) { formError.textContent = 'Choose a CSV file first.'; return; }
    if (chosen.size > 20 * 1024 * 1024) { formError.textContent = 'The file is larger than 20 MiB.'; return; }
    check.disabled = true;
    try {
      text = await chosen.text();
      const counts = (await run(true)).data;
      const commit = h('button', { type: 'button', id: 'import-commit' }, `Import ${counts.created + counts.updated} changes`);
      commit.disabled = counts.created + counts.updated === 0;
      commit.addEventListener('click', async () => {
        commit.disabled = true;
        try {
          const answer = await run(false);
          notice(`${answer.message}: ${answer.data.created} created, ${answer.data.updated} updated, ${answer.data.unchanged} unchanged.`);
          go('products', { include_inactive: 'true' });
        } catch (error) { report(error, formError); commit.disabled = false; }
      });
      preview.replaceChildren(h('div', { class: 'panel' },
        h('h2', { text: 'The file is ready to import' }),
        h('p', { id: 'import-counts', text: `${counts.created} new, ${counts.updated} changed, ${counts.unchanged} unchanged.` }),
        h('div', { class: 'actions' }, commit)));
    } catch (error) {
      if (error instanceof APIError && error.code === 'validation_failed') {
        const problems = Object.entries(error.errors).map(([key, reason]) => [...importProblemPlace(key), reason])
          .sort((a, b) => a[0] - b[0] || String(a[1]).localeCompare(String(b[1])));
        preview.replaceChildren(h('div', { class: 'panel' },
          h('h2', { text: 'Nothing was imported: fix these rows and check again' }),
          table(['Row', 'Column', 'Problem'], problems.map(([row, column, reason]) =>
            h('tr', {}, h('td', { class: 'num', text: row ? String(row) : '' }), h('td', { text: column }), h('td', { text: reason }))),
          { id: 'import-errors' })));
      } else {
        report(error, formError);
      }
    } finally { check.disabled = false; }
  });
  return [h('p', {}, h('a', { href: '#/products', text: '← All products' })), h('h1', { text: 'Import products' }), form, preview];
}

async function productFormScreen(id) {
  const existing = id ? (await api('GET', `/api/v1/products/${encodeURIComponent(id)}`)).data : null;
  const controls = {
    sku: h('input', { autocomplete: 'off', value: existing?.sku }),
    name: h('input', { autocomplete: 'off', value: existing?.name }),
    unit: h('input', { list: 'unit-choices', value: existing?.unit || 'piece' }),
    unit_price: h('input', { inputmode: 'decimal', value: existing?.unit_price }),
    description: h('textarea', { value: existing?.description }),
    is_active: h('input', { type: 'checkbox', checked: existing ? existing.is_active : true }),
  };
  for (const [name, control] of Object.entries(controls)) control.dataset.field = name;
  const formError = h('p', { class: 'error', id: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', id: 'product-save' }, existing ? 'Save changes' : 'Create product');
  const form = h('form', { class: 'panel', id: 'product-form', novalidate: true },
    h('div', { class: 'form-grid' },
      field('product-sku', 'SKU', controls.sku), field('product-name', 'Name', controls.name),
      field('product-unit', 'Unit', controls.unit, 'piece, kg, litre…'), field('product-price', 'Unit price (KES)', controls.unit_price)),
    h('datalist', { id: 'unit-choices' }, ['piece', 'kg', 'g', 'litre', 'ml', 'pack', 'dozen'].map((u) => h('option', { value: u }))),
    field('product-description', 'Description', controls.description),
    field('product-active', 'Active (can be sold)', controls.is_active),
    formError,
    h('div', { class: 'actions' }, submit, h('a', { class: 'button secondary', href: '#/products', text: 'Cancel' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    for (const [name, control] of Object.entries(controls)) {
      const value = control.type === 'checkbox' ? control.checked : control.value.trim();
      if (!existing) { if (value !== '' || name === 'description') body[name] = value; continue; }
      if (value !== existing[name]) body[name] = value;
    }
    if (existing && Object.keys(body).length === 0) { formError.textContent = 'Nothing changed.'; return; }
    submit.disabled = true;
    formError.textContent = '';
    try {
      const answer = existing ? await api('PUT', `/api/v1/products/${existing.id}`, body) : await api('POST', '/api/v1/products', body);
      notice(answer.message);
      productNames.set(answer.data.id, answer.data);
      go('products', { search: answer.data.sku, include_inactive: 'true' });
    } catch (error) {
      report(error, formError, form);
    } finally { submit.disabled = false; }
  });
  return [h('p', {}, h('a', { href: '#/products', text: '← All products' })), h('h1', { text: existing ? `Edit ${existing.name}` : 'New product' }), form];
}

// ---------------------------------------------------------------- till (staff, in store)

/** Who is being served, by cart id: a label for the till's heading. */
const tillCustomers = new Map();

async function tillScreen(parts, params) {
  const cartID = params.get('cart');
  if (cartID) {
    const [cart, shift] = await Promise.all([api('GET', `/api/v1/carts/${encodeURIComponent(cartID)}`).then((a) => a.data), myShift()]);
    const editor = await cartEditor(cart, {
      customerLabel: tillCustomers.get(String(cart.id)) || `customer #${cart.user_id}`,
      till: true, shift,
      after: async (sold) => [sold.status === 'checked_out' ? await saleDone(sold) : null,
        h('button', { type: 'button', id: 'till-new-sale', onclick: () => go('till') }, 'New sale')],
    });
    return [h('div', { class: 'actions' }, h('h1', { text: 'Till' }), h('a', { class: 'button secondary', href: '#/till', text: 'Serve another customer' })), editor];
  }
  // The users API (admin, manager, cashier) gives uuids; the employee portal gives integer ids.
  const usesUsersAPI = ['admin', 'manager', 'cashier'].includes(session.user.role);
  const search = h('input', { type: 'search', autocomplete: 'off', placeholder: usesUsersAPI ? 'username or email' : 'name, email, phone or ID number' });
  const results = h('ul', { class: 'results', id: 'till-customers', 'aria-label': 'Customers found' });
  const error = h('p', { class: 'error', id: 'till-error', role: 'alert' });
  const serve = async (button, customer) => {
    button.disabled = true;
    error.textContent = '';
    try {
      const filter = usesUsersAPI ? { customer_uuid: customer.key } : { customer_id: customer.key };
      const open = (await api('GET', `/api/v1/carts${query({ status: 'active', limit: 1, ...filter })}`)).data.carts;
      const cart = open.length ? open[0] : (await api('POST', '/api/v1/carts', filter)).data;
      tillCustomers.set(String(cart.id), customer.label);
      if (!open.length) notice(`In-store cart #${cart.id} opened for ${customer.label}`);
      go('till', { cart: cart.id });
    } catch (failure) { report(failure, error); button.disabled = false; }
  };
  const form = h('form', { class: 'filters', id: 'till-customer-form', role: 'search' },
    field('till-customer-search', 'Find the customer', search),
    h('button', { type: 'submit', id: 'till-customer-find' }, 'Find customer'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const text = search.value.trim();
      const found = usesUsersAPI
        ? (await api('GET', `/api/v1/users${query({ role: 'customer', search: text, limit: 10, sort_by: 'username', sort_order: 'asc' })}`)).data.users
          .map((u) => ({ key: u.id, label: u.username, detail: u.email, active: u.is_active }))
        : (await api('GET', `/employee/customers${query({ search: text, per_page: 10 })}`)).customers
          .map((c) => ({ key: c.id, label: c.full_name || c.username, detail: `${c.username} · ${c.email}`, active: c.is_active }));
      results.replaceChildren(...found.map((customer) => {
        const button = h('button', { type: 'button', class: 'small', 'data-customer': customer.label }, 'Serve');
        button.addEventListener('click', () => serve(button, customer));
        return h('li', {}, h('span', {}, h('strong', { text: customer.label }), ` ${customer.detail} `, customer.active ? null : badge('inactive', 'off')), button);
      }));
      if (!found.length) results.replaceChildren(h('li', { class: 'muted', text: `No customer matches "${text}".` }));
    } catch (failure) { report(failure, error); }
  });
  return [h('h1', { text: 'Till' }), h('section', { class: 'panel' }, form, error, results)];
}

// ---------------------------------------------------------------- shift (open, cash, X and Z reports)

/** Active branches for a select: [[id, "CODE · name"], …]. */
async function branchOptions(includeInactive) {
  const branches = (await api('GET', '/api/v1/branches?limit=100')).data.branches;
  return branches.filter((b) => includeInactive || b.is_active).map((b) => [String(b.id), `${b.code} · ${b.name}`]);
}

/** The figures of an X or Z report, as a definition list. */
function reportFigures(report) {
  const row = (label, value, id) => [h('dt', { text: label }), h('dd', { id, class: 'num', text: value })];
  return h('dl', { class: 'profile figures', id: 'shift-figures' },
    row('Sales', `${count(report.sales_count)} · ${money(report.sales_total)}`, 'x-sales'),
    row('Cash kept', money(report.by_method.cash), 'x-cash'),
    row('M-Pesa', money(report.by_method.mpesa), 'x-mpesa'),
    row('Card', money(report.by_method.card), 'x-card'),
    row('Refunds', `${count(report.refunds_count)} · ${money(report.refunds_total)}`, 'x-refunds'),
    row('Pay-ins / pay-outs', `${money(report.pay_ins)} / ${money(report.pay_outs)}`, 'x-cash-moves'),
    row('Expected cash in the drawer', money(report.expected_cash), 'x-expected'),
    report.counted_cash !== null ? row('Counted cash', money(report.counted_cash), 'z-counted') : null,
    report.difference !== null ? row('Difference', money(report.difference), 'z-difference') : null);
}

async function shiftReportView(id) {
  const report = (await api('GET', `/api/v1/shifts/${encodeURIComponent(id)}/report`)).data;
  const kind = report.shift.status === 'open' ? 'X report' : 'Z report';
  return h('section', { class: 'panel', id: 'shift-report', 'data-status': report.shift.status },
    h('h2', { text: `${kind} · shift #${report.shift.id} · ${report.shift.username}` }),
    reportFigures(report), await printout(`/api/v1/shifts/${report.shift.id}/report`, 'shift-report-text', `Print ${kind}`));
}

async function shiftScreen(parts) {
  if (parts[0]) {
    return [h('p', {}, h('a', { href: '#/shift', text: '← Shift' })), h('h1', { text: `Shift #${parts[0]}` }), await shiftReportView(parts[0])];
  }
  const [shift, recent] = await Promise.all([myShift(), api('GET', '/api/v1/shifts?limit=10')]);
  const nodes = [h('h1', { text: 'Shift' })];
  if (!shift) {
    const branch = select(await branchOptions(false), '1');
    const float = h('input', { inputmode: 'decimal', 'data-field': 'opening_float', value: '0.00' });
    branch.dataset.field = 'branch_id';
    const error = h('p', { class: 'error', id: 'shift-error', role: 'alert' });
    const submit = h('button', { type: 'submit', id: 'shift-open' }, 'Open shift');
    const form = h('form', { class: 'panel', id: 'shift-open-form' },
      h('p', { text: 'Count the float in the drawer, then open your shift: sales you take payment for fall in it.' }),
      h('div', { class: 'form-grid' }, field('shift-branch', 'Branch', branch), field('shift-float', 'Opening float (cash in the drawer)', float)),
      error, submit);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        notice((await api('POST', '/api/v1/shifts', { branch_id: Number(branch.value), opening_float: float.value.trim() })).message);
        await render();
      } catch (failure) { report(failure, error, form); submit.disabled = false; }
    });
    nodes.push(form);
  } else {
    // Pay-ins and pay-outs.
    const type = select([['pay_out', 'Pay-out (cash leaves the drawer)'], ['pay_in', 'Pay-in (cash put in)']], 'pay_out');
    type.dataset.field = 'type';
    const amount = h('input', { inputmode: 'decimal', 'data-field': 'amount' });
    const reason = h('input', { 'data-field': 'reason', maxlength: 200, placeholder: 'e.g. Boda boda delivery' });
    const cashError = h('p', { class: 'error', id: 'cash-error', role: 'alert' });
    const cashSubmit = h('button', { type: 'submit', id: 'cash-submit' }, 'Record');
    const cashForm = h('form', { class: 'panel', id: 'cash-form' }, h('h2', { text: 'Pay-in or pay-out' }),
      h('div', { class: 'form-grid' }, field('cash-type', 'Type', type), field('cash-amount', 'Amount', amount), field('cash-reason', 'Reason', reason)),
      cashError, cashSubmit);
    cashForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      cashSubmit.disabled = true;
      try {
        notice((await api('POST', `/api/v1/shifts/${shift.id}/cash`, { type: type.value, amount: amount.value.trim(), reason: reason.value.trim() })).message);
        await render();
      } catch (failure) { report(failure, cashError, cashForm); cashSubmit.disabled = false; }
    });
    // Closing: the counted cash; the answer is the Z report.
    const counted = h('input', { inputmode: 'decimal', 'data-field': 'counted_cash' });
    const closeError = h('p', { class: 'error', id: 'close-error', role: 'alert' });
    const closeSubmit = h('button', { type: 'submit', id: 'shift-close' }, 'Close shift');
    const closeForm = h('form', { class: 'panel', id: 'close-form' }, h('h2', { text: 'Close the shift' }),
      h('p', { class: 'muted', text: 'Count the cash in the drawer. Once closed, the shift and its Z report never change.' }),
      field('close-counted', 'Counted cash', counted), closeError, closeSubmit);
    closeForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!(await confirmAction(`Close shift #${shift.id} with ${counted.value.trim() || '0'} counted?`, 'Close shift'))) return;
      closeSubmit.disabled = true;
      try {
        notice((await api('POST', `/api/v1/shifts/${shift.id}/close`, { counted_cash: counted.value.trim() })).message);
        go(`shift/${shift.id}`);
      } catch (failure) { report(failure, closeError, closeForm); closeSubmit.disabled = false; }
    });
    nodes.push(h('p', { id: 'shift-current', 'data-shift': shift.id, text: `Shift #${shift.id} open since ${when(shift.opened_at)} UTC with a float of ${money(shift.opening_float)}.` }),
      await shiftReportView(shift.id), cashForm, closeForm);
  }
  const shifts = recent.data.shifts;
  nodes.push(h('h2', { text: 'Recent shifts' }), shifts.length ? table(['Shift', 'Cashier', 'Branch', 'Opened (UTC)', 'Status', ['Difference', 'num']],
    shifts.map((s) => h('tr', { 'data-shift': s.id },
      h('td', {}, h('a', { href: `#/shift/${s.id}`, text: `#${s.id}` })), h('td', { text: s.username }), h('td', { text: String(s.branch_id) }),
      h('td', { text: when(s.opened_at) }), h('td', {}, badge(s.status, s.status === 'open' ? 'ok' : '')),
      h('td', { class: 'num', text: s.difference === null ? '' : money(s.difference) })))) : h('p', { class: 'muted', text: 'No shifts yet.' }));
  return nodes;
}

// ---------------------------------------------------------------- returns (refunds as credit notes)

const APPROVERS = ['admin', 'manager'];

async function returnsScreen(parts, params) {
  const number = h('input', { autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', placeholder: 'e.g. MAIN-000123', value: params.get('receipt') || '' });
  const error = h('p', { class: 'error', id: 'returns-error', role: 'alert' });
  const form = h('form', { class: 'filters', id: 'returns-find-form', role: 'search' },
    field('returns-receipt', 'Receipt number', number), h('button', { type: 'submit', id: 'returns-find' }, 'Find sale'));
  form.addEventListener('submit', (event) => { event.preventDefault(); go('returns', { receipt: number.value.trim().toUpperCase() }); });
  const nodes = [h('h1', { text: 'Returns' }), h('section', { class: 'panel' }, form, error)];
  const wanted = params.get('receipt');
  if (wanted) {
    const found = (await api('GET', `/api/v1/carts${query({ receipt_number: wanted, limit: 1 })}`)).data.carts;
    if (!found.length) error.textContent = `No sale has receipt number ${wanted}.`;
    else nodes.push(await refundForm(found[0]));
  }
  const recent = (await api('GET', '/api/v1/refunds?limit=10')).data.refunds;
  nodes.push(h('h2', { text: 'Recent credit notes' }), recent.length ? table(['Credit note', 'Receipt', ['Total', 'num'], 'Reason', 'When (UTC)'],
    recent.map((r) => h('tr', { 'data-refund': r.id }, h('td', { text: r.credit_note_number }), h('td', { text: r.receipt_number }),
      h('td', { class: 'num', text: money(r.total) }), h('td', { text: r.reason }), h('td', { text: when(r.created_at) })))) : h('p', { class: 'muted', text: 'No refunds yet.' }));
  return nodes;
}

/** The lines of a sale with what is left to refund, a reason, how the money goes back, and approval. */
async function refundForm(cart) {
  await loadProducts(cart.items.map((item) => item.product_id));
  const refunds = (await api('GET', `/api/v1/refunds${query({ cart_id: cart.id, limit: 100 })}`)).data.refunds;
  const done = new Map();  // item id -> {quantity (thousandths), total (cents)} refunded so far
  for (const refund of refunds) {
    for (const line of refund.lines) {
      const seen = done.get(line.item_id) || { quantity: 0, total: 0 };
      done.set(line.item_id, { quantity: seen.quantity + Math.round(Number(line.quantity) * 1000), total: seen.total + cents(line.line_total) });
    }
  }
  const box = h('section', { class: 'panel', id: 'refund-panel', 'data-cart': cart.id });
  const heading = h('h2', {}, `Sale ${cart.receipt_number} · ${money(cart.total)} · `, badge(cart.payment_status, cart.payment_status === 'paid' ? 'ok' : 'off'),
    cart.refunded_total !== '0.00' ? h('span', { class: 'muted', text: ` ${money(cart.refunded_total)} refunded so far` }) : null);
  if (cart.status !== 'checked_out') return append(box, [heading, h('p', { class: 'error', text: 'This cart is not a completed sale.' })]);
  const inputs = [];
  const rows = cart.items.map((item) => {
    const sold = Math.round(Number(item.quantity) * 1000);
    const before = done.get(item.id) || { quantity: 0, total: 0 };
    const left = sold - before.quantity;
    const input = h('input', { class: 'qty', id: `refund-qty-${item.id}`, inputmode: 'decimal', value: '0', disabled: left <= 0 });
    inputs.push({ item, input, left, sold, before });
    return h('tr', { 'data-item': item.id }, h('td', { text: productLabel(item.product_id) }),
      h('td', { class: 'num', text: item.quantity }), h('td', { class: 'num', text: (left / 1000).toFixed(3) }),
      h('td', { class: 'num', text: money(item.unit_price) }),
      h('td', {}, h('label', { for: input.id, class: 'visually-hidden', text: `Quantity of ${productLabel(item.product_id)} to refund` }), input));
  });
  const totalOut = h('p', { class: 'total', id: 'refund-total' });
  // What the server will charge back: half-up per line, and a line refunded in full gets what is left of its total.
  const refundCents = () => inputs.reduce((sum, { item, input, left, sold, before }) => {
    const quantity = Math.round(Number(input.value.trim() || '0') * 1000);
    if (!(quantity > 0) || quantity > left) return sum;
    return sum + (before.quantity + quantity === sold ? cents(item.line_total) - before.total : lineCents(item.unit_price, quantity / 1000));
  }, 0);
  const update = () => { totalOut.textContent = `Refund ${money(refundCents())}`; };
  for (const { input } of inputs) input.addEventListener('input', update);
  const all = h('button', { type: 'button', class: 'secondary', id: 'refund-all' }, 'Everything left');
  all.addEventListener('click', () => { for (const entry of inputs) entry.input.value = (entry.left / 1000).toFixed(3); update(); });
  const reason = h('input', { 'data-field': 'reason', maxlength: 200, placeholder: 'e.g. Damaged packaging' });
  const paid = cart.payment_status === 'paid';
  const method = select([['cash', 'Cash from the drawer'], ['mpesa', 'M-Pesa'], ['card', 'Card']], 'cash');
  const reference = h('input', { 'data-field': 'payments.0.reference', autocomplete: 'off', maxlength: 64 });
  const needsApproval = !APPROVERS.includes(session.user.role);
  const approver = h('input', { 'data-field': 'approval.username', autocomplete: 'off', autocapitalize: 'none' });
  const approverPassword = h('input', { type: 'password', 'data-field': 'approval.password', autocomplete: 'off' });
  const error = h('p', { class: 'error', id: 'refund-error', role: 'alert' });
  const submit = h('button', { type: 'submit', id: 'refund-submit' }, 'Refund');
  const form = h('form', { id: 'refund-form' },
    table(['Product', ['Sold', 'num'], ['Left', 'num'], ['Unit price', 'num'], 'Refund quantity'], rows, { class: 'lines', id: 'refund-lines' }),
    h('div', { class: 'actions' }, all, totalOut),
    h('div', { class: 'form-grid' },
      field('refund-reason', 'Reason', reason),
      paid ? field('refund-method', 'Pay back by', method) : null,
      paid ? field('refund-reference', 'M-Pesa code or card reference (not for cash)', reference) : null,
      needsApproval ? field('approval-username', "Manager's username", approver) : null,
      needsApproval ? field('approval-password', "Manager's password", approverPassword) : null),
    paid ? null : h('p', { class: 'muted', text: 'This sale was not paid at the till: the refund pays nothing back.' }),
    error, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const lines = inputs.filter(({ input }) => Number(input.value.trim() || '0') > 0)
      .map(({ item, input }) => ({ item_id: item.id, quantity: input.value.trim() }));
    if (!lines.length) { error.textContent = 'Type the quantity to refund on at least one line.'; return; }
    const body = { cart_id: cart.id, lines, reason: reason.value.trim() };
    if (paid) {
      const tender = { method: method.value, amount: money(refundCents()).replace('KES ', '').replace(/,/g, '') };
      if (method.value !== 'cash') tender.reference = method.value === 'mpesa' ? reference.value.trim().toUpperCase() : reference.value.trim();
      body.payments = [tender];
    }
    if (needsApproval) body.approval = { username: approver.value.trim(), password: approverPassword.value };
    submit.disabled = true;
    try {
      const answer = await api('POST', '/api/v1/refunds', body);
      notice(`${answer.message}: ${answer.data.credit_note_number}`);
      box.replaceWith(h('section', { class: 'panel', id: 'refund-done', 'data-credit-note': answer.data.credit_note_number },
        h('h2', { text: `Credit note ${answer.data.credit_note_number} · ${money(answer.data.total)}` }),
        await printout(`/api/v1/refunds/${answer.data.id}/receipt`, 'credit-note-text', 'Print credit note')));
    } catch (failure) {
      approverPassword.value = '';
      report(failure, error, form);
      submit.disabled = false;
    }
  });
  update();
  return append(box, [heading, form]);
}

// ---------------------------------------------------------------- settings (admin): shop and branches

const SHOP_FIELDS = [['name', 'Shop name'], ['kra_pin', 'KRA PIN (e.g. P051234567X)'], ['address', 'Address'], ['phone', 'Phone'],
  ['receipt_footer', 'Receipt footer']];

async function settingsScreen() {
  const [shop, branches] = await Promise.all([api('GET', '/api/v1/shop'), api('GET', '/api/v1/branches?limit=100')]);
  const inputs = {};
  const shopError = h('p', { class: 'error', id: 'shop-error', role: 'alert' });
  const save = h('button', { type: 'submit', id: 'shop-save' }, 'Save');
  const shopForm = h('form', { class: 'panel', id: 'shop-form' }, h('h2', { text: 'Shop (printed on every receipt)' }),
    h('div', { class: 'form-grid' }, SHOP_FIELDS.map(([key, label]) => {
      inputs[key] = key === 'receipt_footer'
        ? h('textarea', { 'data-field': key, maxlength: 500 }, shop.data[key])
        : h('input', { 'data-field': key, value: shop.data[key] });
      return field(`shop-${key}`, label, inputs[key]);
    })), shopError, save);
  shopForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(SHOP_FIELDS.map(([key]) => [key, inputs[key].value.trim()]));
    await act(save, () => api('PUT', '/api/v1/shop', body)).catch(() => {});
  });
  const code = h('input', { 'data-field': 'code', maxlength: 8, autocapitalize: 'characters', placeholder: 'e.g. WKL' });
  const name = h('input', { 'data-field': 'name', maxlength: 100, placeholder: 'e.g. Westlands' });
  const branchError = h('p', { class: 'error', id: 'branch-error', role: 'alert' });
  const add = h('button', { type: 'submit', id: 'branch-add' }, 'Add branch');
  const branchForm = h('form', { class: 'filters', id: 'branch-form' }, field('branch-code', 'Code', code), field('branch-name', 'Name', name), add);
  branchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    add.disabled = true;
    try {
      notice((await api('POST', '/api/v1/branches', { code: code.value.trim(), name: name.value.trim() })).message);
      await render();
    } catch (failure) { report(failure, branchError, branchForm); add.disabled = false; }
  });
  const rows = branches.data.branches.map((b) => {
    const toggle = h('button', { type: 'button', class: 'small secondary', 'data-branch': b.code }, b.is_active ? 'Deactivate' : 'Activate');
    toggle.addEventListener('click', () => act(toggle, () => api('PUT', `/api/v1/branches/${b.id}`, { is_active: !b.is_active })));
    return h('tr', { 'data-branch': b.code }, h('td', { text: String(b.id) }), h('td', { text: b.code }), h('td', { text: b.name }),
      h('td', {}, badge(b.is_active ? 'active' : 'inactive', b.is_active ? 'ok' : 'off')), h('td', {}, toggle));
  });
  return [h('h1', { text: 'Settings' }), shopForm,
    h('section', { class: 'panel' }, h('h2', { text: 'Branches' }), table(['Id', 'Code', 'Name', 'Status', ''], rows, { id: 'branches' }), branchForm, branchError)];
}

// ---------------------------------------------------------------- stock (levels, movements, receive, adjust, transfer)

/** The product a typed SKU or barcode names (exact SKU first, then a barcode), or throws. */
async function productByCode(text) {
  const code = text.trim();
  const found = (await api('GET', `/api/v1/products${query({ search: code, include_inactive: true, limit: 20 })}`)).data.products;
  const exact = found.find((p) => p.sku.toLowerCase() === code.toLowerCase());
  if (exact) return exact;
  try { return (await api('GET', `/api/v1/products/by-barcode/${encodeURIComponent(code)}`)).data.product; } catch (error) {
    if (error.status === 404) throw new APIError(400, 'validation_failed', `No product has the SKU or barcode "${code}"`);
    throw error;
  }
}

async function stockScreen(parts, params) {
  const branchID = params.get('branch') || '1';
  const low = params.get('low') === 'true';
  const search = params.get('search') || '';
  const pageNumber = Number(params.get('page') || 1);
  const editor = ['admin', 'manager'].includes(session.user.role);
  const [levels, options, movements, valuation] = await Promise.all([
    api('GET', `/api/v1/stock${query({ branch_id: branchID, low: low ? 'true' : '', search, page: pageNumber, limit: 20 })}`),
    branchOptions(true),
    api('GET', `/api/v1/stock/movements${query({ branch_id: branchID, limit: 10 })}`),
    editor ? api('GET', `/api/v1/reports/stock-valuation${query({ branch_id: branchID })}`) : null,
  ]);
  const branch = select(options, branchID);
  const lowOnly = h('input', { type: 'checkbox', checked: low });
  const text = h('input', { type: 'search', value: search, placeholder: 'name or SKU' });
  const filters = h('form', { class: 'filters', id: 'stock-filters', role: 'search' },
    field('stock-branch', 'Branch', branch), field('stock-search', 'Search', text), field('stock-low', 'Low stock only', lowOnly),
    h('button', { type: 'submit', id: 'stock-apply' }, 'Show'));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    go('stock', { branch: branch.value, low: lowOnly.checked ? 'true' : '', search: text.value.trim() });
  });
  const rows = levels.data.levels.map((l) => h('tr', { 'data-product': l.product_id, 'data-sku': l.sku },
    h('td', {}, l.name, h('div', { class: 'muted', text: l.sku })),
    h('td', { class: 'num stock-quantity', text: `${l.quantity} ${l.unit}` }),
    h('td', { class: 'num', text: l.low_stock_threshold === null ? '' : l.low_stock_threshold }),
    h('td', {}, l.is_low ? badge('low', 'off') : null),
    h('td', { class: 'num', text: l.last_cost === null ? '' : money(l.last_cost) })));
  const { pagination } = levels.data;
  const nodes = [
    h('h1', { text: 'Stock' }), filters,
    valuation ? h('div', { class: 'actions' },
      h('p', { id: 'stock-valuation', 'data-total': valuation.data.total, text: `Stock value at last cost: ${money(valuation.data.total)}` }),
      h('a', { class: 'button secondary small', id: 'stock-export', href: `/api/v1/export/stock.csv${query({ branch_id: branchID })}`,
        download: `stock-branch-${branchID}.csv`, text: 'Download CSV' })) : null,
    rows.length ? table(['Product', ['Level', 'num'], ['Low at', 'num'], '', ['Last cost', 'num']], rows, { id: 'stock-levels' })
      : h('p', { class: 'muted', id: 'stock-empty', text: low ? 'Nothing is low here.' : 'No counted product matches.' }),
    pager(pagination.current_page, pagination.total_page, pagination.total_data, 'products',
      (p) => go('stock', { branch: branchID, low: low ? 'true' : '', search, page: p })),
  ];
  if (editor) nodes.push(stockForms(branchID, options));
  nodes.push(h('h2', { text: 'Latest movements here' }), movements.data.movements.length
    ? table(['When (UTC)', 'Type', 'Product', ['Quantity', 'num'], 'Reason or reference'], movements.data.movements.map((m) => h('tr', {},
      h('td', { text: when(m.created_at) }), h('td', { text: m.type.replace('_', ' ') }), h('td', { text: `#${m.product_id}` }),
      h('td', { class: 'num', text: m.quantity }), h('td', { text: m.reason || m.reference || (m.cart_id ? `sale, cart #${m.cart_id}` : '') }))), { id: 'stock-movements' })
    : h('p', { class: 'muted', text: 'No movements yet.' }));
  return nodes;
}

/** Receive, adjust and transfer forms (admin, manager), each naming products by SKU or barcode. */
function stockForms(branchID, options) {
  const error = h('p', { class: 'error', id: 'stock-error', role: 'alert' });
  const run = async (button, build, message) => {
    button.disabled = true;
    error.textContent = '';
    try {
      const [path, body] = await build();
      notice((await api('POST', path, body)).message || message);
      await render();
    } catch (failure) { report(failure, error); button.disabled = false; }
  };
  const receiveCode = h('input', { autocomplete: 'off' });
  const receiveQuantity = h('input', { inputmode: 'decimal', class: 'qty' });
  const receiveCost = h('input', { inputmode: 'decimal', class: 'qty' });
  const receiveReference = h('input', { maxlength: 64, placeholder: 'e.g. supplier invoice' });
  const receive = h('button', { type: 'submit', id: 'receive-submit' }, 'Receive');
  const receiveForm = h('form', { class: 'filters', id: 'receive-form' },
    field('receive-code', 'Product (SKU or barcode)', receiveCode), field('receive-quantity', 'Quantity', receiveQuantity),
    field('receive-cost', 'Unit cost', receiveCost), field('receive-reference', 'Reference', receiveReference), receive);
  receiveForm.addEventListener('submit', (event) => {
    event.preventDefault();
    run(receive, async () => {
      const product = await productByCode(receiveCode.value);
      const line = { product_id: product.id, quantity: receiveQuantity.value.trim() };
      if (receiveCost.value.trim()) line.unit_cost = receiveCost.value.trim();
      return ['/api/v1/stock/receive', { branch_id: Number(branchID), lines: [line], reference: receiveReference.value.trim() || null }];
    });
  });
  const adjustCode = h('input', { autocomplete: 'off' });
  const counted = h('input', { inputmode: 'decimal', class: 'qty', placeholder: 'e.g. 12' });
  const reason = select(['count', 'damage', 'theft', 'expiry', 'other'].map((r) => [r, r]), 'count');
  const adjust = h('button', { type: 'submit', id: 'adjust-submit' }, 'Adjust');
  const adjustForm = h('form', { class: 'filters', id: 'adjust-form' },
    field('adjust-code', 'Product (SKU or barcode)', adjustCode),
    field('adjust-amount', 'Counted level, or a change such as -2', counted), field('adjust-reason', 'Reason', reason), adjust);
  adjustForm.addEventListener('submit', (event) => {
    event.preventDefault();
    run(adjust, async () => {
      const product = await productByCode(adjustCode.value);
      const amount = counted.value.trim();
      const change = /^[-+]/.test(amount) ? { delta: amount } : { counted: amount };
      return ['/api/v1/stock/adjust', { branch_id: Number(branchID), product_id: product.id, reason: reason.value, ...change }];
    });
  });
  const to = select(options.filter(([id]) => id !== branchID), '');
  const transferCode = h('input', { autocomplete: 'off' });
  const transferQuantity = h('input', { inputmode: 'decimal', class: 'qty' });
  const transfer = h('button', { type: 'submit', id: 'transfer-submit' }, 'Transfer');
  const transferForm = h('form', { class: 'filters', id: 'transfer-form' },
    field('transfer-code', 'Product (SKU or barcode)', transferCode), field('transfer-quantity', 'Quantity', transferQuantity),
    field('transfer-to', 'To branch', to), transfer);
  transferForm.addEventListener('submit', (event) => {
    event.preventDefault();
    run(transfer, async () => {
      const product = await productByCode(transferCode.value);
      return ['/api/v1/stock/transfer', { from_branch_id: Number(branchID), to_branch_id: Number(to.value),
        lines: [{ product_id: product.id, quantity: transferQuantity.value.trim() }] }];
    });
  });
  return h('section', { class: 'panel', id: 'stock-forms' }, h('h2', { text: 'Receive goods' }), receiveForm,
    h('h2', { text: 'Adjust after a count or a loss' }), adjustForm,
    options.length > 1 ? [h('h2', { text: 'Send to another branch' }), transferForm] : null, error);
}

// ---------------------------------------------------------------- my carts (customer, online)

async function shopScreen(parts, params) {
  const pageNumber = Number(params.get('page') || 1);
  const [activeAnswer, historyAnswer] = await Promise.all([
    api('GET', '/api/v1/carts?status=active&limit=1'),
    api('GET', `/api/v1/carts${query({ page: pageNumber, limit: 10 })}`),
  ]);
  const active = activeAnswer.data.carts[0];
  const history = historyAnswer.data.carts.filter((cart) => cart.status !== 'active');
  await loadProducts(history.flatMap((cart) => cart.items.map((item) => item.product_id)));
  let current;
  if (active) {
    current = await cartEditor(active, { after: () => h('button', { type: 'button', id: 'shop-continue', onclick: render }, 'Continue shopping') });
  } else {
    const error = h('p', { class: 'error', id: 'shop-error', role: 'alert' });
    const start = h('button', { type: 'button', id: 'cart-open' }, 'Start a new cart');
    start.addEventListener('click', async () => {
      start.disabled = true;
      try { notice((await api('POST', '/api/v1/carts')).message); await render(); } catch (failure) { report(failure, error); start.disabled = false; }
    });
    current = h('section', { class: 'panel' }, h('p', { text: 'You have no open cart.' }), start, error);
  }
  const { pagination } = historyAnswer.data;
  return [
    h('h1', { text: 'My carts' }), current,
    h('h2', { text: 'Earlier carts' }), cartHistory(history),
    pager(pagination.current_page, pagination.total_page, pagination.total_data, 'carts', (p) => go('shop', { page: p })),
  ];
}

// ---------------------------------------------------------------- start

document.getElementById('signout').addEventListener('click', signOut);
window.addEventListener('hashchange', () => { if (session.user) render(); });

(async function start() {
  try {
    session.user = (await api('GET', '/api/v1/auth/me')).data;
  } catch (error) {
    session.user = null;
    if (error.status !== 401) return signIn(describe(error));
  }
  render();
}());
