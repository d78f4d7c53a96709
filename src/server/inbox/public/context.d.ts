/** What the inbox's router hands to a view (see `app.js`). */
export interface ViewContext {
  /** The element the view renders into. */
  view: HTMLElement;
  /** Who is signed in, as the server says, with the groups they answer for. */
  who: () => Viewer;
  /** The list to go back to (the last one shown). */
  backTo: () => string;
}

export interface Viewer {
  principal: string;
  identities: string[];
}
