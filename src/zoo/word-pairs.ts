/**
 * Related word pairs for judging word vectors trained on Moby Dick, chosen (and committed) before
 * any training run: synonyms and near-synonyms (ship/boat, sea/ocean), words of one kind (the
 * mates, the harpooneers, numbers, colours, times of day), singular/plural and antonym pairs that
 * share their contexts. Every word occurs at least 30 times in the book, so min-count 5 keeps it.
 * A good embedding gives these a mean cosine similarity clearly above that of random word pairs.
 */
export const MOBY_DICK_RELATED_PAIRS: readonly (readonly [string, string])[] = [
  ['ship', 'boat'],
  ['ships', 'boats'],
  ['sea', 'ocean'],
  ['captain', 'mate'],
  ['ahab', 'captain'],
  ['starbuck', 'stubb'],
  ['stubb', 'flask'],
  ['queequeg', 'tashtego'],
  ['tashtego', 'daggoo'],
  ['harpoon', 'lance'],
  ['harpooneer', 'harpooneers'],
  ['whale', 'whales'],
  ['sperm', 'whale'],
  ['head', 'tail'],
  ['day', 'night'],
  ['morning', 'evening'],
  ['man', 'men'],
  ['hand', 'hands'],
  ['said', 'cried'],
  ['old', 'young'],
  ['two', 'three'],
  ['three', 'four'],
  ['first', 'last'],
  ['white', 'black'],
  ['water', 'waves'],
  ['oil', 'blubber'],
  ['line', 'rope'],
  ['heart', 'soul'],
  ['deck', 'mast'],
  ['air', 'wind'],
  ['eyes', 'face'],
  ['god', 'heaven'],
  ['nantucket', 'bedford'],
  ['land', 'shore'],
];
