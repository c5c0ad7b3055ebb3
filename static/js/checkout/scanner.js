// The till's one scan service: every key typed outside a text field goes through it.
// A USB/Bluetooth scanner "types" a code as a fast burst of keys (a few ms apart), usually followed by Enter or Tab;
// a person types slowly. Keys are cut into runs at each silence of `burstGapMs`; a run of two keys or more is a
// machine's (a scan, or a scanner's garbage), a run of one key is a person's. Only digits typed by a person, one key
// at a time, become a quantity that multiplies the next scan; digits inside a burst never do.
// The pending quantity is cleared by Enter, Escape, any scan (accepted or refused) and a new card.
// AZERTY layouts without Shift: French scanners type "&é\"'(-è_çà" for 1234567890; Belgian ones the same except
// "§" for 6 and "!" for 8. Both are mapped back to digits.

import { gtinIsValid } from "./gtin.js";

export const AZERTY_DIGITS = {
  "&": "1", "é": "2", '"': "3", "'": "4", "(": "5", "-": "6", "è": "7", "_": "8", "ç": "9", "à": "0",
  "§": "6", "!": "8", // Belgian AZERTY
};

/** The digit a key stands for ("7" or "è" → "7"), or null. */
export function keyToDigit(key) {
  if (key.length === 1 && key >= "0" && key <= "9") return key;
  return Object.prototype.hasOwnProperty.call(AZERTY_DIGITS, key) ? AZERTY_DIGITS[key] : null;
}

/** Digits of a text typed by a scanner (AZERTY characters mapped back), or null when it holds anything else. */
export function textToDigits(text) {
  let digits = "";
  for (const ch of text.trim()) {
    const digit = keyToDigit(ch);
    if (digit === null) return null;
    digits += digit;
  }
  return digits;
}

/** The longest quantity a person may type before a scan (999 units). */
export const MAX_QUANTITY_DIGITS = 3;

function isEditable(element) {
  if (!element || !(element instanceof HTMLElement)) return false;
  if (element.isContentEditable || element instanceof HTMLTextAreaElement) return true;
  if (element instanceof HTMLInputElement) {
    return !["button", "submit", "checkbox", "radio", "reset", "file", "image", "range", "color"].includes(element.type);
  }
  return false;
}

/**
 * What a finished machine run is, given what a person typed before it:
 * {code, multiplier} where code is the digits (or the raw text when it is not all digits: unreadable).
 * A quantity is taken only from 1 to 3 digits typed by a person and only when the run alone is a valid code; when the
 * run alone is not valid but the typed digits and the run together are (a scanner's first key delayed), they are one
 * code sold once.
 */
export function resolveRun(typed, runText) {
  const digits = textToDigits(runText);
  if (digits === null) return { code: runText, multiplier: 1 };
  if (typed && !gtinIsValid(digits) && gtinIsValid(typed + digits)) return { code: typed + digits, multiplier: 1 };
  const quantity = Number(typed);
  const multiplier = typed && typed.length <= MAX_QUANTITY_DIGITS && quantity > 0 ? quantity : 1;
  return { code: digits, multiplier };
}

export class ScanCapture {
  /**
   * @param {object} options
   * @param {(code: string, multiplier: number) => void} options.onScan  every complete run, valid or not
   * @param {(pending: string) => void} [options.onPending]  the digits a person typed so far ("" when cleared)
   * @param {number} [options.burstGapMs]  keys closer than this belong to one machine run
   * @param {number} [options.pauseMs]  silence that ends a run (a scan sent without Enter, or a person's key)
   * @param {number} [options.minLength]  a person's digits confirmed with Enter from this length are a code typed by hand
   */
  constructor({ onScan, onPending = () => {}, burstGapMs = 80, pauseMs = 250, minLength = 6 }) {
    this.onScan = onScan;
    this.onPending = onPending;
    this.burstGapMs = burstGapMs;
    this.pauseMs = pauseMs;
    this.minLength = minLength;
    this.typed = ""; // digits a person typed, one key at a time
    this.run = []; // keys of the run in progress: {char, at}
    this.timer = null;
    this.enabled = true;
    this.handleKeydown = this.handleKeydown.bind(this);
  }

  attach(target = document) {
    target.addEventListener("keydown", this.handleKeydown, true);
    return this;
  }

  /** Forget the pending quantity and any run in progress (Escape, a new card, the clear button). */
  clearPending() {
    clearTimeout(this.timer);
    this.typed = "";
    this.run = [];
    this.onPending("");
  }

  get pending() { return this.typed; }

  handleKeydown(event) {
    if (!this.enabled || event.ctrlKey || event.altKey || event.metaKey) return;
    const target = event.target;
    const isEnd = event.key === "Enter" || event.key === "Tab";

    if (isEditable(target)) {
      // In a text field a person types freely; a field holding only a code when Enter or Tab comes (a scanner's
      // suffix) is taken as a scan and emptied.
      if (isEnd) {
        const digits = textToDigits(target.value);
        if (digits !== null && digits.length >= this.minLength) {
          event.preventDefault();
          target.value = "";
          target.dispatchEvent(new Event("input", { bubbles: true }));
          this.clearPending();
          this.onScan(digits, 1);
        }
      }
      return;
    }
    if (isEnd) {
      if (this.run.length || this.typed) event.preventDefault();
      this.finish(true);
      return;
    }
    if (event.key === "Escape") {
      if (this.run.length || this.typed) this.clearPending();
      return;
    }
    if (event.key === "Backspace" && !this.run.length && this.typed) {
      event.preventDefault();
      this.typed = this.typed.slice(0, -1);
      this.onPending(this.typed);
      return;
    }
    if (event.key.length !== 1) return; // Shift, arrows, function keys
    const at = event.timeStamp || performance.now();
    const last = this.run[this.run.length - 1];
    // A machine run goes on through a hiccup shorter than the pause; a person's key is alone in its run.
    const gap = last ? at - last.at : Infinity;
    if (last && !(gap < this.burstGapMs || (this.run.length >= 2 && gap < this.pauseMs))) this.finish(false);
    if (event.key === " " && !this.run.length) return; // a lone space: nothing (a space inside a run is garbage)
    event.preventDefault();
    this.run.push({ char: event.key, at });
    if (this.run.length > 64) this.run.shift();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.finish(false), this.pauseMs);
  }

  /** The run in progress ended (Enter/Tab, a pause, or a key after a silence). */
  finish(byEnter) {
    clearTimeout(this.timer);
    const run = this.run;
    this.run = [];
    if (run.length >= 2) {
      const { code, multiplier } = resolveRun(this.typed, run.map((k) => k.char).join(""));
      this.typed = "";
      this.onPending("");
      this.onScan(code, multiplier);
      return;
    }
    if (run.length === 1) {
      const digit = keyToDigit(run[0].char);
      if (digit !== null) this.typed = (this.typed + digit).slice(-20);
    }
    if (byEnter) {
      const typed = this.typed;
      this.typed = "";
      this.onPending("");
      if (typed.length >= this.minLength) this.onScan(typed, 1); // a code typed by hand (a damaged barcode)
      return;
    }
    this.onPending(this.typed);
  }
}
