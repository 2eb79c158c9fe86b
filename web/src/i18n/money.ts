// Strings of the money pages. `en` is typed by `ru`: a key missing in either language does not compile.
export const ru = {
  'money.title': 'money',
};

export const en: typeof ru = {
  'money.title': 'money',
};
