export function installRequestCheck(log: string | undefined): () => void;
