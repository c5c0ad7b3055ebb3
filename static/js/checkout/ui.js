// Small helpers of the till's pages: build an element, format money and messages in the page's language.
export const locale = document.documentElement.lang === "en" ? "en-BE" : "fr-BE";
const money = new Intl.NumberFormat(locale, { style: "currency", currency: "EUR" });

export const $ = (id) => document.getElementById(id);

export function fmt(cents) { return cents === null || cents === undefined ? "—" : money.format(cents / 100); }

/** A translated text with its %(name)s placeholders filled. */
export function fill(text, values = {}) {
  return String(text).replace(/%\((\w+)\)s/g, (_, name) => (values[name] ?? ""));
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
