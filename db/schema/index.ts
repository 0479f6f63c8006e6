export * from './auth';
export * from './taxonomy';
export * from './catalog';
export * from './crowd';
export * from './model';
export * from './ops';
export * from './pauses';
export * from './experiments';
