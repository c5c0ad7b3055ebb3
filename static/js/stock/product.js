// Product form: show only the social-price field that the chosen rule uses (the form works without this script).
const rule = document.getElementById("price_rule");
const fields = {
  percent: document.getElementById("social_percent")?.closest(".field"),
  fixed: document.getElementById("social_price_cents")?.closest(".field"),
};
function update() {
  for (const [name, field] of Object.entries(fields)) {
    if (field) field.hidden = rule.value !== name;
  }
}
if (rule) {
  rule.addEventListener("change", update);
  update();
}
