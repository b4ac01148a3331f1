// A classic (non-module) script: it runs first, while the page is parsed.
document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("classic").textContent = "classic script: ran";
});
