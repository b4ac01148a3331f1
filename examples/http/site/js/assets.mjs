// The files the demo page is made of, imported by app.mjs: a module graph
// of two files, so that an import is served with a JavaScript type too.
export const assets = [
  "style.css",
  "reel.png",
  "fonts/DejaVuSans-Bold-subset.woff2",
  "js/classic.js",
  "guide/",
  "hello%20world.txt",
  "%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82.txt",
];
