/** The path of Node `major`'s binary, installed under .cache/ if it is not there yet. */
export function nodeBinary(major: number | string): string;
/** Installs npm packages (`specs`) into `prefix`/node_modules, quietly. */
export function npmInstall(prefix: string, specs: string[], extra?: string[]): void;
