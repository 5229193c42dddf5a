/** The path of Node `major`'s binary, installed under .cache/ if it is not there yet. */
export function nodeBinary(major: number | string): string;
