// Strings of the campaigns pages. `en` is typed by `ru`: a key missing in either language does not compile.
export const ru = {
  'campaigns.title': 'campaigns',
};

export const en: typeof ru = {
  'campaigns.title': 'campaigns',
};
