/** A module the replay tests import dynamically (a fresh copy per import, by query string). */
export const value = 3;
