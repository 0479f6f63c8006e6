// Meyda 5.6.3 ships these filter-bank builders in its CommonJS build without
// a declaration file next to them; we build our own banks from them rather
// than rely on Meyda's global cache (see PITFALLS: the cache is not rebuilt
// when the sample rate changes).
declare module 'meyda/dist/node/utilities.js' {
  export function createBarkScale(length: number, sampleRate: number, bufferSize: number): Float32Array;
  export function createMelFilterBank(numFilters: number, sampleRate: number, bufferSize: number): number[][];
  export function createChromaFilterBank(
    numFilters: number,
    sampleRate: number,
    bufferSize: number,
    centerOctave?: number,
    octaveWidth?: number,
    baseC?: boolean,
    A440?: number,
  ): number[][];
}
