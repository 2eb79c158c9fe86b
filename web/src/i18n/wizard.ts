// Strings of the wizard pages. `en` is typed by `ru`: a key missing in either language does not compile.
export const ru = {
  'wizard.title': 'wizard',
};

export const en: typeof ru = {
  'wizard.title': 'wizard',
};
