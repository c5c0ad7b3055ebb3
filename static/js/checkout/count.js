// Count forms: show the total of the coins and notes typed (the server computes it again).
const box = document.querySelector("[data-count-form]");
const output = document.querySelector("[data-count-total]");
if (box && output) {
  const locale = document.documentElement.lang === "en" ? "en-BE" : "fr-BE";
  const money = new Intl.NumberFormat(locale, { style: "currency", currency: "EUR" });
  const update = () => {
    let total = 0;
    for (const input of box.querySelectorAll("input[data-denomination]")) {
      const count = Number(input.value);
      if (Number.isInteger(count) && count > 0) total += count * Number(input.dataset.denomination);
    }
    output.textContent = money.format(total / 100);
  };
  box.addEventListener("input", update);
  update();
}
