// Scan page: re-check the part's evidence bundle in the browser, independently of the server's
// verdict — RFC 9162 inclusion proofs against the checkpoint root, and the checkpoint's Ed25519
// signature where the browser's WebCrypto supports Ed25519.
(() => {
  const box = document.querySelector("[data-bundle-url]");
  if (!box || !window.crypto || !window.crypto.subtle) return;
  const b64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

  async function included(leaf, index, size, proof, root) {
    let fn = index, sn = size - 1;
    let r = await sha256(concat(new Uint8Array([0]), leaf));
    for (const p of proof) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(concat(new Uint8Array([1]), p, r));
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await sha256(concat(new Uint8Array([1]), r, p));
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && same(r, root);
  }

  async function signed(note, vkey) {
    const cut = note.indexOf("\n\n");
    const text = note.slice(0, cut + 1); // the signed text ends with its newline
    const parts = vkey.split("+");
    const prefix = "\u2014 " + parts[0] + " ";
    const line = note.slice(cut + 2).split("\n").find((l) => l.startsWith(prefix));
    if (cut < 0 || !line) return false;
    const pub = b64(parts.slice(2).join("+")).slice(1); // drop the algorithm byte 0x01
    const sig = b64(line.slice(prefix.length)).slice(4); // drop the 4-byte key id
    const key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify("Ed25519", key, sig, new TextEncoder().encode(text));
  }

  async function run() {
    const bundle = await (await fetch(box.dataset.bundleUrl)).json();
    const lines = bundle.checkpoint.split("\n");
    const size = Number(lines[1]);
    const root = b64(lines[2]);
    let ok = 0;
    for (const e of bundle.entries) {
      if (await included(b64(e.leaf), e.index, size, e.proof.map(b64), root)) ok += 1;
    }
    let sig = "unsupported";
    try { sig = (await signed(bundle.checkpoint, bundle.log.public_key)) ? "valid" : "invalid"; }
    catch (_) { sig = "unsupported"; }
    const all = ok === bundle.entries.length && sig !== "invalid";
    box.dataset.result = all ? "ok" : "failed";
    box.dataset.signature = sig;
    box.querySelector("[data-count]").textContent = `${ok}/${bundle.entries.length}`;
    box.querySelector("[data-size]").textContent = String(size);
    box.querySelector(all ? "[data-ok]" : "[data-failed]").hidden = false;
    box.hidden = false;
  }
  run().catch(() => { box.dataset.result = "error"; });
})();
