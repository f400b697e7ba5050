/**
 * The libnftables batch helper: a 50-line C program, compiled once per
 * machine with the system C compiler against the installed libnftables
 * (no headers needed: the five entry points are declared here), that keeps
 * one nft context and runs length-framed buffers through
 * `nft_run_cmd_from_buffer`.
 *
 * Why not `nft -i`: nft 1.0.6 reads its interactive input through libedit,
 * one read(2) and one echo per character, which measured ~2.6 us per input
 * byte (a 12 KB policy batch: ~30 ms before nft even parses it), and a batch
 * has to be one line. The helper reads a frame in one go, parses it as a file
 * (newline-separated commands, one transaction), returns nft's output (JSON
 * listings of single chains and sets for the rolling resync) and its error
 * text, and keeps nft's cache between batches like `nft -i` does.
 *
 * Frame in:  `R <bytes>\n<commands>` (run) or `L <bytes>\n<list commands>` (JSON output).
 * Frame out: `<rc> <out bytes> <err bytes>\n<out><err>`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../../../lib/exec.js';

export const NFT_HELPER_C = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct nft_ctx;
struct nft_ctx *nft_ctx_new(unsigned int flags);
int nft_ctx_buffer_output(struct nft_ctx *ctx);
int nft_ctx_buffer_error(struct nft_ctx *ctx);
const char *nft_ctx_get_output_buffer(struct nft_ctx *ctx);
const char *nft_ctx_get_error_buffer(struct nft_ctx *ctx);
unsigned int nft_ctx_output_get_flags(struct nft_ctx *ctx);
void nft_ctx_output_set_flags(struct nft_ctx *ctx, unsigned int flags);
int nft_run_cmd_from_buffer(struct nft_ctx *nft, const char *buf);
#define OUTPUT_JSON (1u << 4)

int main(void) {
  struct nft_ctx *ctx = nft_ctx_new(0);
  if (!ctx || nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) return 2;
  unsigned int base = nft_ctx_output_get_flags(ctx);
  char *buf = NULL;
  size_t cap = 0;
  char mode;
  size_t len;
  while (scanf("%c %zu", &mode, &len) == 2 && getchar() == '\n') {
    if (len + 1 > cap) {
      free(buf);
      cap = len + 1;
      buf = malloc(cap);
      if (!buf) return 3;
    }
    if (fread(buf, 1, len, stdin) != len) return 4;
    buf[len] = 0;
    nft_ctx_output_set_flags(ctx, mode == 'L' ? base | OUTPUT_JSON : base);
    int rc = nft_run_cmd_from_buffer(ctx, buf);
    const char *out = nft_ctx_get_output_buffer(ctx);
    const char *err = nft_ctx_get_error_buffer(ctx);
    size_t ol = out ? strlen(out) : 0, el = err ? strlen(err) : 0;
    printf("%d %zu %zu\n", rc, ol, el);
    if (ol) fwrite(out, 1, ol, stdout);
    if (el) fwrite(err, 1, el, stdout);
    fflush(stdout);
    /* A full load can be tens of MB: give it back once a small batch follows. */
    if (cap > (1u << 24) && len < (1u << 20)) { free(buf); buf = NULL; cap = 0; }
  }
  return 0;
}
`;

let built: Promise<string | null> | undefined;

/**
 * Path of the compiled helper, building it on first use (cached under the
 * temp dir by source hash); null when it cannot be built (no compiler or no
 * libnftables), and callers fall back to `nft -i`. `CALICO_NFT_HELPER=0`
 * disables it.
 */
export function nftHelperPath(): Promise<string | null> {
  built ??= build();
  return built;
}

async function build(): Promise<string | null> {
  if (process.env['CALICO_NFT_HELPER'] === '0') return null;
  const hash = createHash('sha256').update(NFT_HELPER_C).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `calico-ts-nft-helper-${process.getuid?.() ?? 0}`);
  const bin = join(dir, `nft-helper-${hash}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // We run what is in there: only from a directory that is ours and private.
    const st = statSync(dir);
    if (st.uid !== (process.getuid?.() ?? st.uid) || (st.mode & 0o022) !== 0) return null;
    if (existsSync(bin)) return bin;
    const src = join(dir, `nft-helper-${hash}-${process.pid}.c`);
    const tmp = `${bin}.${process.pid}.tmp`;
    writeFileSync(src, NFT_HELPER_C);
    const r = await exec('cc', ['-O2', '-o', tmp, src, '-l:libnftables.so.1'], { timeoutMs: 60_000 });
    unlinkSync(src);
    if (r.code !== 0) return null;
    renameSync(tmp, bin); // atomic: concurrent builders all end with a complete binary
    return bin;
  } catch {
    return null;
  }
}
