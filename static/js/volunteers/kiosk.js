// Kiosk: captures the badge scanner's keystrokes (digits then Enter) wherever focus is, posts the code, shows the
// result; a participant may then sign up for a shift with room. A check-out within 15 minutes of the check-in is
// asked first (the server answers "confirm"; "Yes" posts the scan again with confirm_check_out). Nothing is kept once the screen goes back to rest.
import { csrfToken } from "../app.js";

const body = document.body;
const welcome = document.getElementById("welcome");
const result = document.getElementById("result");
const message = document.getElementById("message");
const mine = document.getElementById("mine");
const open = document.getElementById("open");
const own = document.getElementById("own");
const confirmBox = document.getElementById("confirm");
const RESET_AFTER_MS = 25000;
let buffer = "";
let lastKey = 0;
let lastCode = "";
let resetTimer = null;

async function post(url, payload) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(payload),
    credentials: "same-origin",
  });
  return response.json();
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function clear() {
  lastCode = "";
  mine.replaceChildren();
  open.replaceChildren();
  own.replaceChildren();
  confirmBox.replaceChildren();
}

function rest() {
  clear();
  result.hidden = true;
  welcome.hidden = false;
}

function show(text, isError) {
  welcome.hidden = true;
  result.hidden = false;
  message.textContent = text;
  message.classList.toggle("error", Boolean(isError));
  clearTimeout(resetTimer);
  resetTimer = setTimeout(rest, RESET_AFTER_MS);
}

function renderCompetences(offer) {
  if (!offer || !offer.choices.length) return;
  const chosen = new Set();
  own.append(element("h3", "", body.dataset.labelCompetences));
  const grid = element("div", "kiosk-choices");
  for (const competence of offer.choices) {
    const button = element("button", "button secondary", competence.name);
    button.type = "button";
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => {
      if (chosen.has(competence.id)) chosen.delete(competence.id);
      else if (chosen.size < 3) chosen.add(competence.id);
      const on = chosen.has(competence.id);
      button.setAttribute("aria-pressed", String(on));
      button.classList.toggle("primary", on);
      button.classList.toggle("secondary", !on);
    });
    grid.append(button);
  }
  own.append(grid);
  const label = element("label", "kiosk-comment", body.dataset.labelComment);
  const comment = element("textarea");
  comment.maxLength = 1000;
  label.append(comment);
  own.append(label);
  const send = element("button", "button primary big", body.dataset.labelSend);
  send.type = "button";
  send.addEventListener("click", async () => {
    send.disabled = true;
    try {
      const data = await post(body.dataset.competencesUrl, {
        code: lastCode, assignment_id: offer.assignment_id, competence_ids: [...chosen], comment: comment.value,
      });
      show(data.message, !data.ok);
      if (data.ok) own.replaceChildren();
      else send.disabled = false;
    } catch {
      show(body.dataset.labelError, true);
      send.disabled = false;
    }
  });
  own.append(send);
}

function renderConfirm(code) {
  const yes = element("button", "button primary big", body.dataset.labelConfirmOut);
  yes.type = "button";
  yes.addEventListener("click", () => {
    yes.disabled = true;
    no.disabled = true;
    scan(code, true);
  });
  const no = element("button", "button secondary big", body.dataset.labelStay);
  no.type = "button";
  no.addEventListener("click", () => {
    confirmBox.replaceChildren();
    show(body.dataset.labelStayed, false);
  });
  confirmBox.append(yes, no);
}

function render(data, code) {
  if (data.confirm) renderConfirm(code);
  renderCompetences(data.competences);
  if (data.shifts && data.shifts.length) {
    mine.append(element("h3", "", body.dataset.labelMine));
    for (const shift of data.shifts) {
      const line = element("div", "kiosk-line");
      line.append(element("span", "", `${shift.start}–${shift.end} · ${shift.activity}`));
      const state = shift.checked_out ? body.dataset.labelOut : shift.checked_in ? body.dataset.labelIn : "";
      if (state) line.append(element("span", "badge ok", state));
      mine.append(line);
    }
  }
  if (data.open_shifts && data.open_shifts.length) {
    open.append(element("h3", "", body.dataset.labelOpen));
    for (const shift of data.open_shifts) {
      const line = element("div", "kiosk-line");
      line.append(element("span", "", `${shift.day}, ${shift.start}–${shift.end} · ${shift.activity}`));
      const button = element("button", "button primary", body.dataset.labelSignup);
      button.type = "button";
      button.addEventListener("click", () => signUp(shift.id, button));
      line.append(button);
      open.append(line);
    }
  }
}

async function scan(code, confirmCheckOut = false) {
  try {
    const data = await post(body.dataset.scanUrl, { code, confirm_check_out: confirmCheckOut });
    clear();  // nothing of the previous person stays on screen
    show(data.message, !data.ok);
    if (data.ok) {
      lastCode = code;
      render(data, code);
    }
  } catch {
    clear();
    show(body.dataset.labelError, true);
  }
}

async function signUp(shiftId, button) {
  button.disabled = true;
  try {
    const data = await post(body.dataset.signupUrl, { code: lastCode, shift_id: shiftId });
    show(data.message, !data.ok);
    if (data.ok) button.closest(".kiosk-line").remove();
    else button.disabled = false;
  } catch {
    show(body.dataset.labelError, true);
    button.disabled = false;
  }
}

document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLTextAreaElement) {  // the participant is writing a comment
    clearTimeout(resetTimer);
    resetTimer = setTimeout(rest, RESET_AFTER_MS);
    return;
  }
  const now = Date.now();
  if (now - lastKey > 500) buffer = "";  // a scanner types fast; a pause starts a new code
  lastKey = now;
  if (/^[0-9]$/.test(event.key)) {
    buffer += event.key;
    event.preventDefault();
  } else if (event.key === "Enter" && buffer.length >= 8) {
    event.preventDefault();
    const code = buffer;
    buffer = "";
    scan(code);
  }
});

document.getElementById("done").addEventListener("click", rest);
