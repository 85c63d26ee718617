import { formatPath } from './validate.js';

/** One problem in a config file, where it is: line and column (1-based) and key path. */
export interface Problem {
  readonly line: number;
  readonly col: number;
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** `lb.yaml:14:19 pools.web.targets[1].address: port 99999 is out of range` */
export const formatProblem = (file: string, p: Problem): string =>
  `${file}:${p.line}:${p.col} ${p.path.length > 0 ? `${formatPath(p.path)}: ` : ''}${p.message}`;

export const byPosition = (a: Problem, b: Problem): number => a.line - b.line || a.col - b.col;
