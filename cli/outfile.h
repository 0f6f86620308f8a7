/* outfile.h — the `--out FILE` of a run: the whole output or nothing.
 * The output goes to a temporary file in FILE's folder that is renamed
 * over FILE only when the run succeeds; a failed or interrupted run leaves
 * FILE as it was. It refuses a FILE that is one of the run's inputs. It
 * does not format anything: the caller writes to outfile_stream().
 *
 * One OutFile at a time per process: the signal handlers it installs
 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT, ...) remove its temporary file, and a
 * handler can only reach process-wide state. */
#ifndef KAM_OUTFILE_H
#define KAM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct OutFile OutFile;

/* A file the run reads, and what it is for messages ("the data file"). A
 * path of "-" is standard input. */
typedef struct OutInput {
    const char *path;
    const char *what;
} OutInput;

/* Opens `target` for writing. NULL, with a message in err (the caller
 * exits 2), if target is the same file as one of the inputs (same device
 * and inode: links, hard or symbolic, count), or cannot be written. A
 * symlink is followed: the file it names is replaced (or created, if the
 * link dangles) and the link stays. A device or FIFO is written directly.
 * Stale temporary files of this target left by a killed run are removed. */
OutFile *outfile_open(const char *target, const OutInput *inputs, int ninputs, char *err,
                      size_t errlen);
/* Where to write the output. */
FILE *outfile_stream(OutFile *f);
/* Flushes the output and puts it in place (renamed over the target). 0, or
 * -1 with a message in err: the target is then as it was (except a device
 * or FIFO written directly). Frees f either way. A signal that arrives once
 * the output is in place does not undo it: kam notes it on stderr and
 * finishes normally. */
int outfile_commit(OutFile *f, char *err, size_t errlen);
/* Drops the output: the temporary file goes, the target stays as it was.
 * Returns false if the target was written directly (a device or FIFO) and
 * so already holds part of the output. Frees f. */
bool outfile_abort(OutFile *f);

#endif
