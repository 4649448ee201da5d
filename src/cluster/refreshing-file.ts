/**
 * A credential kept in a file that another process replaces: the projected ServiceAccount
 * token (the kubelet rotates it, by default hourly, and it expires) or a kubeconfig
 * `tokenFile`. It is read again whenever the file changes, and at least once a minute in
 * case a change keeps the same size and timestamp; never cached for the life of the process.
 */
import { readFileSync, statSync } from 'node:fs';

/** How long a read may be reused when the file looks unchanged. */
export const REREAD_MS = 60_000;

export class RefreshingFile {
  private text: string;
  private stamp: string;
  private readAt: number;

  /** Reads the file now, so a missing or empty file is an error at start-up, not at the first request. */
  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
  ) {
    this.stamp = stampOf(path);
    this.text = readTrimmed(path);
    this.readAt = this.now();
  }

  /**
   * The current content, trimmed. When the file cannot be read any more, the last good
   * content is kept: the kubelet swaps the file through a symlink, and a read that races
   * the swap must not cost a request its credentials.
   */
  read(): string {
    try {
      const stamp = stampOf(this.path);
      if (stamp === this.stamp && this.now() - this.readAt < REREAD_MS) return this.text;
      this.text = readTrimmed(this.path);
      this.stamp = stamp;
      this.readAt = this.now();
    } catch {
      // keep the last good content
    }
    return this.text;
  }
}

/** What changes when the file is replaced: the kubelet writes a new file and swaps a symlink. */
function stampOf(path: string): string {
  const stat = statSync(path);
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

function readTrimmed(path: string): string {
  const text = readFileSync(path, 'utf8').trim();
  if (!text) throw new Error(`${path} is empty`);
  return text;
}
