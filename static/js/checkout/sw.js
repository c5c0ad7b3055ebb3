// The till's service worker: the checkout screen opens without the network once it was opened online (reload,
// tablet restarted, browser reopened). Served by /till/sw.js, which puts its settings in self.GROCERY_SW.
//
// - The checkout page (/till/sessions/<id>/screen) and the catalogue (GET /api/till/catalogue): network first, the
//   cached copy when the network fails or is slower than NETWORK_TIMEOUT_MS; every answer of the network refreshes
//   the copy. A redirect (till closed, logged out, handed over), a 401 or a 403 removes it. One checkout page is
//   kept: opening another till session's page online drops the previous one.
// - The scripts, styles, icon and vendored libraries: kept at install, served from the cache and refreshed behind
//   (stale-while-revalidate).
// - Nothing else: never a POST, never another page, never a household's data (the card lookups and the cards
//   snapshot pass straight to the network).
// The caches carry the version of the files (a deploy installs a new worker that drops the old caches); the logout's
// Clear-Site-Data erases them with the worker.

const CONFIG = self.GROCERY_SW || { version: "dev", precache: [], static: "/static/", catalogue: "/api/till/catalogue",
  screen: "/till/sessions/", login: "/login" };
const PREFIX = "grocery-till-";
const STATIC_CACHE = `${PREFIX}static-${CONFIG.version}`;
const PAGES_CACHE = `${PREFIX}pages-${CONFIG.version}`;
const NETWORK_TIMEOUT_MS = 3000;

function isScreen(url) {
  const rest = url.pathname.startsWith(CONFIG.screen) ? url.pathname.slice(CONFIG.screen.length) : "";
  return /^\d+\/screen$/.test(rest);
}

function isCatalogue(url) {
  return url.pathname === CONFIG.catalogue;
}

/** The cache key of a page or of the catalogue: its address without query (one copy each). */
function pageKey(url) {
  return url.origin + url.pathname;
}

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC_CACHE).then((cache) => cache.addAll(CONFIG.precache)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== STATIC_CACHE && name !== PAGES_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function storable(response) {
  return response.ok && response.type === "basic" && !response.redirected;
}

/** A refusal of the server (not a network failure): the cashier may no longer see that page or anything. */
function refused(response) {
  return response.type === "opaqueredirect" || response.redirected || response.status === 401
    || response.status === 403 || response.status === 404;
}

async function forget(key) {
  const cache = await caches.open(PAGES_CACHE);
  if (key) {
    await cache.delete(key, { ignoreVary: true });
  } else {
    for (const request of await cache.keys()) await cache.delete(request);
  }
}

/** Ask the network and keep its answer; when the server refuses, drop the copy (all copies when the session ended). */
async function refresh(request, key) {
  const response = await fetch(request);
  if (storable(response)) {
    const cache = await caches.open(PAGES_CACHE);
    if (isScreen(new URL(key))) {
      // One checkout page per tablet: the page of another till session (another cashier's) goes.
      for (const kept of await cache.keys()) {
        if (isScreen(new URL(kept.url)) && pageKey(new URL(kept.url)) !== key) await cache.delete(kept);
      }
    }
    await cache.put(key, response.clone());
  } else if (refused(response)) {
    await forget(response.status === 401 || (response.redirected && new URL(response.url).pathname === CONFIG.login)
      ? null : key);
  }
  return response;
}

function networkFirst(event, key) {
  const network = refresh(event.request, key);
  event.waitUntil(network.catch(() => null)); // the copy is refreshed even when the cache answered first
  return (async () => {
    const cached = await (await caches.open(PAGES_CACHE)).match(key, { ignoreVary: true });
    if (!cached) return network; // nothing to fall back on: the network's answer, or its failure
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(() => resolve(cached), NETWORK_TIMEOUT_MS); });
    try {
      return await Promise.race([network.catch(() => cached), late]);
    } finally {
      clearTimeout(timer);
    }
  })();
}

function staleWhileRevalidate(event) {
  return (async () => {
    const cache = await caches.open(STATIC_CACHE);
    const cached = await cache.match(event.request);
    const network = fetch(event.request).then((response) => {
      if (storable(response)) return cache.put(event.request, response.clone()).then(() => response);
      return response;
    });
    if (cached) {
      event.waitUntil(network.catch(() => null));
      return cached;
    }
    return network;
  })();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // a sale, a login, a logout: always the network
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (isScreen(url)) event.respondWith(networkFirst(event, pageKey(url)));
    return;
  }
  if (isCatalogue(url)) {
    event.respondWith(networkFirst(event, pageKey(url)));
  } else if (url.pathname.startsWith(CONFIG.static) && CONFIG.precache.includes(url.pathname)) {
    event.respondWith(staleWhileRevalidate(event));
  }
});

// The page opened before this worker controlled it asks it to keep the page and the catalogue (sw_register.js).
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "remember" || !Array.isArray(data.urls)) return;
  event.waitUntil(Promise.all(data.urls.map(async (address) => {
    const url = new URL(address, self.location.origin);
    if (url.origin !== self.location.origin || !(isScreen(url) || isCatalogue(url))) return;
    try {
      await refresh(new Request(url.href, { credentials: "same-origin", redirect: "manual" }), pageKey(url));
    } catch (error) {
      // offline: kept at the next online opening
    }
  })));
});
