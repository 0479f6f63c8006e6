import { describe, expect, it } from 'vitest';
import { closeness, crowdSplit, explainPriority, joinWords, likelihoodWords, modelUnsure, ownAccuracy, priorityFormula, reliabilityWords, tagVotes } from '@/lib/client/explain';

const LABELS = { calm: 'Calm', dreamy: 'Dreamy', sad: 'Sad', happy: 'Happy' };

describe('plain-language reasons for the review screen', () => {
  it('names the terms that carry the priority, largest first, with their shares', () => {
    // 0.31 + 0.09 + 0.11 = 0.51: uncertainty 61 %, votesNeeded 22 %, diversity 18 %.
    expect(explainPriority({ diversity: 0.09, uncertainty: 0.31, votesNeeded: 0.11 })).toBe(
      'Mostly because the model is unsure of it (61 % of its priority), it still needs votes (22 %), and it is unlike the clips labelled so far (18 %).',
    );
    expect(explainPriority({ uncertainty: 0.3, diversity: 0.1 })).toBe(
      'Mostly because the model is unsure of it (75 % of its priority), then it is unlike the clips labelled so far (25 %).',
    );
  });

  it('leaves out terms under 5 %, zero terms, and says nothing when there is no priority', () => {
    expect(explainPriority({ uncertainty: 0.5, votesNeeded: 0, diversity: 0.01 })).toBe('Because the model is unsure of it.');
    expect(explainPriority({ votesNeeded: 0 })).toBeNull();
    expect(explainPriority({})).toBeNull();
  });

  it('keeps the formula, sorted, for the tooltip', () => {
    expect(priorityFormula(0.511, { diversity: 0.09, uncertainty: 0.31, votesNeeded: 0 })).toBe(
      'priority 0.511 = uncertainty 0.310 + diversity 0.090 + votesNeeded 0.000',
    );
  });

  it('names the moods the model cannot decide on, closest to 50 % first', () => {
    expect(modelUnsure({ calm: 0.58, dreamy: 0.49, sad: 0.95, happy: 0.05 }, LABELS)).toBe('The model is unsure about dreamy (49 %) and calm (58 %).');
    expect(modelUnsure({ sad: 0.95, happy: 0.02 }, LABELS)).toBeNull();
    expect(modelUnsure(undefined, LABELS)).toBeNull();
  });

  it('says where the crowd split, in counts', () => {
    const perTag = [
      { tag: 'sad', yes: 3, no: 1 },
      { tag: 'calm', yes: 2, no: 2 },
      { tag: 'happy', yes: 0, no: 4 },
    ];
    expect(crowdSplit(perTag, LABELS)).toBe('2 of 4 voters said calm; 3 of 4 said sad.');
    expect(crowdSplit([{ tag: 'sad', yes: 4, no: 0 }], LABELS)).toBeNull();
  });

  it('puts a neighbour distance in words relative to the nearest', () => {
    expect(closeness(6.86, 6.86)).toBe('closest');
    expect(closeness(7.2, 6.86)).toBe('about as close');
    expect(closeness(9, 6.86)).toBe('a bit further');
    expect(closeness(14, 6.86)).toBe('much further');
    expect(joinWords(['a', 'b', 'c'])).toBe('a, b and c');
  });

  it('puts one mood\'s votes in counts of listeners', () => {
    expect(tagVotes(3, 1, 'Sad')).toBe('3 of 4 listeners said sad');
    expect(tagVotes(2, 0, 'Sad')).toBe('all 2 listeners said sad');
    expect(tagVotes(1, 0, 'Sad')).toBe('the one listener said sad');
    expect(tagVotes(0, 3, 'Sad')).toBe('no listener said sad (of 3)');
    expect(tagVotes(0, 0, 'Sad')).toBe('no votes yet');
  });

  it('puts a probability in words, with the band edges where the comment says', () => {
    expect(likelihoodWords(0.92)).toBe('very likely (92 %)');
    expect(likelihoodWords(0.8)).toBe('very likely (80 %)');
    expect(likelihoodWords(0.79)).toBe('likely (79 %)');
    expect(likelihoodWords(0.6)).toBe('likely (60 %)');
    expect(likelihoodWords(0.5)).toBe('undecided (50 %)');
    expect(likelihoodWords(0.4)).toBe('unlikely (40 %)');
    expect(likelihoodWords(0.2)).toBe('very unlikely (20 %)');
    expect(likelihoodWords(0.03)).toBe('very unlikely (3 %)');
  });

  it('puts a voter\'s reliability in words, 50 % being a guess', () => {
    expect(reliabilityWords(0.92)).toBe('reliable (92 %)');
    expect(reliabilityWords(0.75)).toBe('fairly reliable (75 %)');
    expect(reliabilityWords(0.58)).toBe('often wrong (58 %)');
    expect(reliabilityWords(0.5)).toBe('no better than guessing (50 %)');
    expect(reliabilityWords(null)).toBe('not rated yet');
  });

  it('tells a contributor their own test record in words', () => {
    // 4 of 6 = 66.7 % → 67 %.
    expect(ownAccuracy({ tagChecksRight: 4, tagChecks: 6, goldAnswered: 2 })).toBe('You got 4 of 6 mood checks right on 2 test clips (67 %).');
    expect(ownAccuracy({ tagChecksRight: 3, tagChecks: 3, goldAnswered: 1 })).toBe('You got 3 of 3 mood checks right on 1 test clip (100 %).');
    expect(ownAccuracy({ tagChecksRight: 0, tagChecks: 0, goldAnswered: 0 })).toBe('Not checked yet: a few of the clips are hidden tests.');
  });
});
