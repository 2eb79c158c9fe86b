// Strings of the contacts pages. `en` is typed by `ru`: a key missing in either language does not compile.
export const ru = {
  'contacts.title': 'contacts',
};

export const en: typeof ru = {
  'contacts.title': 'contacts',
};
