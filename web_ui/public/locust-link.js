// Loaded into Locust's own page by the plugin: a "Fleet" link in its header, kept there when React re-renders it.
(() => {
  const id = 'locust-fleet-link';
  const href = new URL('fleet/', document.baseURI.replace(/[^/]*$/, '')).href;
  const place = () => {
    const toolbar = document.querySelector('header .MuiToolbar-root');
    if (!toolbar || document.getElementById(id)) return;
    const link = document.createElement('a');
    link.id = id;
    link.href = href;
    link.textContent = 'Fleet';
    link.title = 'Build, import and try request chains; deploy them to agents';
    link.style.cssText =
      'margin-left:16px;padding:4px 12px;border:1px solid currentColor;border-radius:4px;color:inherit;' +
      'text-decoration:none;font:500 14px/1.75 Roboto,Helvetica,Arial,sans-serif;text-transform:uppercase;white-space:nowrap';
    toolbar.appendChild(link);
  };
  new MutationObserver(place).observe(document.documentElement, { childList: true, subtree: true });
  place();
})();
