/** `/inbox/marked.js` is the `marked` package's browser build, served by `routes/inbox.ts`. */
export { marked } from 'marked';
