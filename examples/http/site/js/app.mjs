// A JavaScript module: a browser runs it only if the server sends it with a
// JavaScript content type. It asks the server for each of the page's files
// and lists the answers.
import { assets } from "./assets.mjs";

const list = document.getElementById("checks");
list.replaceChildren();

function report(text, ok) {
  const item = document.createElement("li");
  item.textContent = text;
  item.className = ok ? "ok" : "bad";
  list.append(item);
}

report("module script: ran", true);
for (const path of assets) {
  const response = await fetch(path);
  const type = response.headers.get("Content-Type");
  report(`${decodeURIComponent(path)}: ${response.status} ${type}`, response.ok);
}
const font = await document.fonts.load('1em "DemoHeading"');
report(`web font: ${font.length ? "loaded" : "not loaded"}`, font.length > 0);
document.body.dataset.checked = "done";
