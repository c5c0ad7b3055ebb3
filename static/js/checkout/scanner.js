// Scanner keystroke capture for the till.
// A USB/Bluetooth scanner "types" the code fast, usually followed by Enter or Tab; people type slowly.
// Outside text fields every digit is captured (wherever the focus is): the keys typed in one fast run form the
// scanned code; digits typed by a person before it form a number that multiplies that scan (never glued to the
// scanned digits). In a text field, a person types freely; a field holding only digits when Enter or Tab comes
// (a scanner's suffix) is taken as a scan and emptied. On an AZERTY layout without Shift, scanners type
// "&é\"'(-è_çà" for 1234567890: those characters are mapped back to digits.

import { gtinIsValid } from "./gtin.js";

export const AZERTY_DIGITS = {
  "&": "1", "é": "2", '"': "3", "'": "4", "(": "5", "-": "6", "è": "7", "_": "8", "ç": "9", "à": "0",
};

/** The digit a key stands for ("7" or "è" → "7"), or null. */
export function keyToDigit(key) {
  if (key.length === 1 && key >= "0" && key <= "9") return key;
  return Object.prototype.hasOwnProperty.call(AZERTY_DIGITS, key) ? AZERTY_DIGITS[key] : null;
}

/** Digits of a text typed by a scanner into a field (AZERTY characters mapped back), or null. */
export function textToDigits(text) {
  let digits = "";
  for (const ch of text.trim()) {
    const digit = keyToDigit(ch);
    if (digit === null) return null;
    digits += digit;
  }
  return digits;
}

function isEditable(element) {
  if (!element || !(element instanceof HTMLElement)) return false;
  if (element.isContentEditable || element instanceof HTMLTextAreaElement) return true;
  if (element instanceof HTMLInputElement) {
    return !["button", "submit", "checkbox", "radio", "reset", "file", "image", "range", "color"].includes(element.type);
  }
  return false;
}

/**
 * Split typed digits into (what a person typed first, the fast run at the end).
 * @param {{digit: string, at: number}[]} keys
 * @param {number} splitGapMs  a silence this long separates a person's typing from a scanner's run
 */
export function splitRun(keys, splitGapMs) {
  let start = keys.length - 1;
  while (start > 0 && keys[start].at - keys[start - 1].at < splitGapMs) start -= 1;
  const digits = keys.map((k) => k.digit).join("");
  return { typed: digits.slice(0, Math.max(start, 0)), run: digits.slice(Math.max(start, 0)) };
}

export class ScanCapture {
  /**
   * @param {object} options
   * @param {(code: string, multiplier: number) => void} options.onScan  a complete code (in order of arrival)
   * @param {(pending: string) => void} [options.onPending]  the number typed by a person so far
   * @param {number} [options.splitGapMs]  a longer silence separates typing from a scanner's run
   * @param {number} [options.pauseMs]  silence that ends a scan sent without Enter
   * @param {number} [options.minLength]  shorter runs are a number typed by a person, not a scan
   */
  constructor({ onScan, onPending = () => {}, splitGapMs = 200, pauseMs = 250, minLength = 6 }) {
    this.onScan = onScan;
    this.onPending = onPending;
    this.splitGapMs = splitGapMs;
    this.pauseMs = pauseMs;
    this.minLength = minLength;
    this.keys = [];
    this.timer = null;
    this.enabled = true;
    this.handleKeydown = this.handleKeydown.bind(this);
  }

  attach(target = document) {
    target.addEventListener("keydown", this.handleKeydown, true);
    return this;
  }

  clearPending() {
    this.keys = [];
    this.onPending("");
  }

  pendingText() {
    return this.keys.map((k) => k.digit).join("");
  }

  handleKeydown(event) {
    if (!this.enabled || event.ctrlKey || event.altKey || event.metaKey) return;
    const target = event.target;
    const isEnd = event.key === "Enter" || event.key === "Tab";

    if (isEditable(target)) {
      if (isEnd) {
        const digits = textToDigits(target.value);
        if (digits !== null && digits.length >= this.minLength) {
          event.preventDefault();
          target.value = "";
          target.dispatchEvent(new Event("input", { bubbles: true }));
          this.onScan(digits, 1);
        }
      }
      return;
    }
    if (isEnd) {
      if (this.keys.length) {
        event.preventDefault();
        this.complete(true);
      }
      return;
    }
    if (event.key === "Backspace" && this.keys.length) {
      event.preventDefault();
      this.keys.pop();
      this.onPending(this.pendingText());
      return;
    }
    if (event.key === "Escape" && this.keys.length) {
      this.clearPending();
      return;
    }
    const digit = keyToDigit(event.key);
    if (digit === null) return;
    event.preventDefault();
    this.keys.push({ digit, at: event.timeStamp || performance.now() });
    if (this.keys.length > 40) this.keys.splice(0, this.keys.length - 40);
    this.onPending(this.pendingText());
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.complete(false), this.pauseMs);
  }

  /** A run ended (Enter/Tab, or a pause): a long fast run is a scan; otherwise the digits wait as a number.
   * When the machine is slow, a scanner's run can be split by a late key: if the run alone is not a valid code
   * but all the digits are, all the digits are the scan. */
  complete(byEnter) {
    clearTimeout(this.timer);
    if (!this.keys.length) return;
    const { typed, run } = splitRun(this.keys, this.splitGapMs);
    const all = typed + run;
    let code = null;
    let multiplier = 1;
    if (!byEnter) {
      // A pause ends only a complete code (scanners sent without Enter); a run cut by a slow machine waits.
      if (gtinIsValid(run)) code = run;
      else if (gtinIsValid(all)) code = all;
      if (code === run && typed.length > 0 && typed.length <= 3 && Number(typed) > 0) multiplier = Number(typed);
    } else if (run.length >= this.minLength && (gtinIsValid(run) || !gtinIsValid(all))) {
      code = run;
      if (typed.length > 0 && typed.length <= 3 && Number(typed) > 0) multiplier = Number(typed);
    } else if (all.length >= this.minLength) {
      code = all; // a split run, or a code typed by hand (a damaged barcode) confirmed with Enter
    }
    if (code === null) return;
    this.keys = [];
    this.onPending("");
    this.onScan(code, multiplier);
  }
}
