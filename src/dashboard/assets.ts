// The page's three files, embedded so that `npm install` (which runs tsc) is the only build step and nothing is
// fetched from a CDN: the dashboard works offline.
export { INDEX_HTML } from './assets/index-html.js';
export { APP_CSS } from './assets/app-css.js';
export { APP_JS } from './assets/app-js.js';
