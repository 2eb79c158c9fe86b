// The package ships no types; this is the part moderation uses.
declare module 'snowball-stemmers' {
  export interface Stemmer {
    stem(word: string): string;
  }
  const stemmers: { newStemmer(language: string): Stemmer; algorithms(): string[] };
  export default stemmers;
}
