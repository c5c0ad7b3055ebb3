// The till's product panel: favourites, categories, search. Products without a barcode (loose fruit and
// vegetables) are chosen here. The first page, "Frequent", holds the products picked most often in this panel on this
// tablet (counted in localStorage), then the loose products in stock.
import { $, el, fmt } from "./ui.js";

/** Draw the panel from the catalogue (`getCatalogue()`), `t(key)` the till's messages; `onPick(product)` when a
 * tile is tapped. Returns renderCategories, to call once the catalogue is loaded. */
export function setupPanel({ getCatalogue, t, onPick }) {
  const FREQUENT = "grocery.till.frequent";
  function frequentCounts() {
    try { return JSON.parse(localStorage.getItem(FREQUENT)) || {}; } catch (error) { return {}; }
  }
  function countFrequent(productId) {
    const counts = frequentCounts();
    counts[productId] = (counts[productId] || 0) + 1;
    localStorage.setItem(FREQUENT, JSON.stringify(counts));
  }
  function frequentProducts(limit = 24) {
    const counts = frequentCounts();
    const chosen = Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([id]) => getCatalogue().products.get(Number(id)))
      .filter((p) => p && p.available > 0).slice(0, limit);
    for (const product of getCatalogue().loose(limit)) {
      if (chosen.length >= limit) break;
      if (!chosen.includes(product)) chosen.push(product);
    }
    return chosen;
  }

  function productButton(product) {
    return el("button", { type: "button", class: "product-btn" + (product.available > 0 ? "" : " unavailable"),
      "data-product-id": product.id,
      onclick: () => {
        if (onPick(product)) countFrequent(product.id); // picked: it comes first on the "Frequent" page next time
      } }, el("span", {}, product.name), el("small", {}, fmt(product.price_cents) + (product.unit === "piece" ? "" : " / " + product.unit)));
  }
  let panelChoice = "frequent"; // "frequent" or a category id
  function showTiles(products) {
    const tiles = $("product-tiles");
    tiles.replaceChildren(...(products.length ? products.map(productButton) : [el("p", { class: "tiles-empty" }, t("no_product_here"))]));
    tiles.scrollTop = 0;
  }
  function renderPanel() {
    for (const tab of $("category-tiles").children) tab.setAttribute("aria-pressed", String(tab.dataset.choice === String(panelChoice)));
    showTiles(panelChoice === "frequent" ? frequentProducts() : getCatalogue().inCategory(panelChoice));
  }
  function renderCategories() {
    const tab = (choice, name) => el("button", { type: "button", class: "category-tile", "data-choice": choice,
      onclick: () => { panelChoice = choice; $("product-search").value = ""; renderPanel(); } }, name);
    $("category-tiles").replaceChildren(tab("frequent", t("frequent")),
      ...getCatalogue().categories.map((category) => tab(category.id, category.name)));
    renderPanel();
  }
  $("product-search").addEventListener("input", (event) => {
    if (!getCatalogue()) return;
    const text = event.target.value.trim();
    if (text.length >= 2) {
      for (const tab of $("category-tiles").children) tab.setAttribute("aria-pressed", "false");
      showTiles(getCatalogue().search(text, 60));
    } else {
      renderPanel();
    }
  });
  return renderCategories;
}
