// The local console's only script: it refreshes the executions list while
// the page is open and marks the state whose details are shown. Pages work
// without it.
(() => {
  'use strict';

  const rows = document.getElementById('execution-rows');
  if (rows) live(rows);
  markSelected();
  window.addEventListener('hashchange', markSelected);

  // live polls the rows fragment (rendered by the server with the same
  // template and filters) every two seconds and swaps it in when it changed.
  function live(tbody) {
    const count = document.getElementById('live-count');
    const updated = document.getElementById('live-updated');
    const toggle = document.getElementById('live-toggle');
    let paused = false;
    let last = '';
    let busy = false;
    toggle.hidden = false;
    toggle.addEventListener('click', () => {
      paused = !paused;
      toggle.setAttribute('aria-pressed', String(paused));
      toggle.textContent = paused ? 'Resume updates' : 'Pause updates';
      updated.textContent = paused ? 'Updates paused.' : '';
      if (!paused) refresh();
    });

    async function refresh() {
      if (paused || busy || document.hidden) return;
      busy = true;
      try {
        const res = await fetch(tbody.dataset.src + location.search, { cache: 'no-store' });
        if (!res.ok) throw new Error('HTTP ' + res.status);
        const html = await res.text();
        if (html !== last) {
          last = html;
          const doc = new DOMParser().parseFromString('<table>' + html + '</table>', 'text/html');
          const fresh = doc.getElementById('execution-rows');
          if (fresh) swap(tbody, fresh);
        }
        const text = 'Showing ' + tbody.dataset.shown + ' of ' + tbody.dataset.total + ' kept executions.';
        if (count.textContent !== text) count.textContent = text;
        updated.textContent = 'Updated ' + new Date().toLocaleTimeString() + '.';
      } catch (err) {
        updated.textContent = 'Could not refresh (' + err.message + '); trying again.';
      } finally {
        busy = false;
      }
    }

    setInterval(refresh, 2000);
    document.addEventListener('visibilitychange', refresh);
    refresh();
  }

  // swap replaces the rows, keeping keyboard focus on the same link.
  function swap(tbody, fresh) {
    const active = document.activeElement;
    const href = tbody.contains(active) ? active.getAttribute('href') : null;
    tbody.replaceChildren(...Array.from(fresh.childNodes, (n) => document.importNode(n, true)));
    tbody.dataset.total = fresh.dataset.total;
    tbody.dataset.shown = fresh.dataset.shown;
    if (href) {
      const again = Array.from(tbody.querySelectorAll('a')).find((a) => a.getAttribute('href') === href);
      if (again) again.focus();
    }
  }

  // markSelected highlights the graph node whose details are open.
  function markSelected() {
    for (const a of document.querySelectorAll('.node-link[aria-current]')) a.removeAttribute('aria-current');
    if (!location.hash) return;
    for (const a of document.querySelectorAll('.node-link')) {
      if (a.getAttribute('href') === location.hash) a.setAttribute('aria-current', 'true');
    }
  }
})();
