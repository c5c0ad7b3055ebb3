// The top bar's menu folds into one button on narrow screens (below 768 px); without JavaScript it stays unfolded.
const toggle = document.querySelector(".menu-toggle");
const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));

function setOpen(open) {
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  menu.classList.toggle("open", open);
}

if (toggle && menu) {
  toggle.hidden = false;
  document.querySelector(".topbar").classList.add("folds");
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.classList.contains("open")) {
      setOpen(false);
      toggle.focus();
    }
  });
}
