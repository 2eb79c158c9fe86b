// Strings of the settings pages. `en` is typed by `ru`: a key missing in either language does not compile.
export const ru = {
  'settings.title': 'settings',
};

export const en: typeof ru = {
  'settings.title': 'settings',
};
