// The top bar's menu folds into one button on narrow screens (below 768 px); without JavaScript it stays unfolded.
// Escape closes the open user menu first (focus back on its name), then the folded menu.
const toggle = document.querySelector(".menu-toggle");
const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
const userMenu = document.querySelector(".usermenu");

function setOpen(open) {
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  menu.classList.toggle("open", open);
  if (!open && userMenu) userMenu.open = false;
}

if (toggle && menu) {
  toggle.hidden = false;
  document.querySelector(".topbar").classList.add("folds");
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  if (userMenu && userMenu.open) {
    userMenu.open = false;
    userMenu.querySelector("summary").focus();
  } else if (toggle && menu && menu.classList.contains("open")) {
    setOpen(false);
    toggle.focus();
  }
});
