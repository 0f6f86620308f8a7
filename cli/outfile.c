/* outfile.c — `--out FILE` written whole or not at all (see outfile.h).
 * It does not format output; cli/run.c writes to the stream it hands out.
 *
 * How the output reaches FILE:
 *   - FILE is first checked against the run's inputs (same device and
 *     inode, so hard and symbolic links count): writing over the data or
 *     the policy would destroy it.
 *   - A symlink is followed, hop by hop (a dangling one too): the file it
 *     names is replaced or created, the link stays a link.
 *   - An existing device or FIFO is written directly; there is nothing to
 *     rename over.
 *   - Otherwise the output goes to a temporary file in the folder of the
 *     file to replace: unnamed (Linux O_TMPFILE) where the file system
 *     allows, so that nothing is left if kam is killed by a signal it
 *     cannot catch; else named `.FILE.kam-tmp-PID-XXXXXX`. On success the
 *     unnamed file gets such a name (linkat through /proc/self/fd) and is
 *     renamed over FILE. A named temporary left by a killed run is removed
 *     by the next run for the same FILE once its PID is gone.
 *   - The temporary file has FILE's permission bits (mode & 0777: never
 *     setuid, setgid or sticky), or 0666 less the umask for a new FILE.
 *   - Catchable fatal signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
 *     ...) remove the temporary file and exit 128+signal, saying FILE was
 *     not written. They are blocked around the rename, and the rename is
 *     marked done before they are unblocked, so a signal that comes after
 *     it says FILE was written and lets the run finish. SIGXFSZ is
 *     ignored while writing, so an output over the file size limit is a
 *     write error (EFBIG) like a full disk. A data file that shrinks under
 *     its mapping (SIGBUS, base/mapfile.c) removes the temporary file the
 *     same way, and kam exits 3.
 *   - The commit's fsync waits for every page of the output to reach the
 *     disk (60 MB: about 30 ms on the machine of docs/performance.md, all
 *     of it after the run has done its work). So a thread of the OutFile's
 *     own hands the output to the disk as it grows: every WB_POLL_MS it
 *     looks at the temporary file's size and, once WB_STEP more bytes are
 *     there, starts writing them back (sync_file_range without waiting),
 *     so that the disk writes while kam computes and the fsync waits only
 *     for the last part. It blocks every signal (the handlers run on the
 *     threads that write) and is stopped before the commit's flush or the
 *     abort. Linux only (sync_file_range); elsewhere the fsync does it all. */
#define _GNU_SOURCE     /* O_TMPFILE */
#include "outfile.h"
#include "../base/arena.h"
#include "../base/mapfile.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    WB_POLL_MS = 5,         /* how often the writeback thread looks at the size */
    WB_STEP = 2 << 20,      /* bytes it hands to the disk at a time, at least */
    MAX_LINKS = 40,         /* symlink hops followed, as the kernel does */
    TMP_BASE_MAX = 200,     /* bytes of FILE's name kept in a temporary's name */
    TMP_PATH_MAX = 4200
};

static const char TMP_TAG[] = ".kam-tmp-";

struct OutFile {
    FILE *fp;
    int fd;
    bool direct;            /* a device or FIFO, written in place */
    bool unnamed;           /* O_TMPFILE: no name until the commit */
    char *shown;            /* the target as the user named it */
    char *final;            /* the file replaced: the target, symlinks followed */
    char *dir, *base;       /* final's folder and name */
    /* writing back as the output grows (the thread's; wb_stop under wb_mu) */
    bool wb_on;
    bool wb_stop;
    pthread_t wb;
    pthread_mutex_t wb_mu;
    pthread_cond_t wb_cv;
    off_t wb_done;          /* bytes handed to the disk so far */
};

/* What the signal handler needs: the one process-wide state of kam (a
 * handler can reach nothing else). Set only with the handled signals
 * blocked, so the handler never sees it half-written. */
static const int handled[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
                              SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGPIPE};
enum { NHANDLED = sizeof handled / sizeof handled[0] };
static const char *const handled_name[NHANDLED] = {
    "SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2",
    "SIGALRM", "SIGVTALRM", "SIGPROF", "SIGXCPU", "SIGPIPE"};
static struct {
    volatile sig_atomic_t committed;    /* the output is in place */
    char tmp[TMP_PATH_MAX];             /* the named temporary file, or "" */
    char shown[1024];                   /* the target, for the message */
    struct sigaction saved[NHANDLED], saved_xfsz;
    bool installed[NHANDLED];
    bool active;
} pending;

static void say(const char *s)
{
    if (write(STDERR_FILENO, s, strlen(s)) < 0) { /* nothing more to do */ }
}

static void on_signal(int sig)
{
    const char *name = "a signal";
    for (int i = 0; i < NHANDLED; i++)
        if (handled[i] == sig) name = handled_name[i];
    if (pending.committed) {
        /* the output is complete and in place: nothing to undo */
        say("kam: ");
        say(name);
        say(" arrived after ");
        say(pending.shown);
        say(" was written in full; finishing\n");
        return;
    }
    if (pending.tmp[0]) unlink(pending.tmp);
    say("kam: interrupted by ");
    say(name);
    say("; ");
    say(pending.shown);
    say(" was not written\n");
    _exit(128 + sig);
}

/* A data file shrank under its mapping (base/mapfile.c's SIGBUS handler,
 * which then exits 3): the output is not written. */
static void on_data_gone(void)
{
    if (pending.committed) return;
    if (pending.tmp[0]) unlink(pending.tmp);
    say("kam: ");
    say(pending.shown);
    say(" was not written\n");
}

static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < NHANDLED; i++) sigaddset(&set, handled[i]);
    sigprocmask(SIG_BLOCK, &set, old);
}

/* Called with the signals blocked. */
static void install_handlers(const char *shown)
{
    snprintf(pending.shown, sizeof pending.shown, "%s", shown);
    pending.committed = 0;
    if (pending.active) return;     /* still there after an earlier commit */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < NHANDLED; i++) sigaddset(&sa.sa_mask, handled[i]);
    for (int i = 0; i < NHANDLED; i++) {
        sigaction(handled[i], NULL, &pending.saved[i]);
        /* an ignored signal stays ignored (nohup stays nohup) */
        pending.installed[i] = pending.saved[i].sa_handler != SIG_IGN;
        if (pending.installed[i]) sigaction(handled[i], &sa, NULL);
    }
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGXFSZ, &ign, &pending.saved_xfsz);
    mapfile_set_fatal_hook(on_data_gone);
    pending.active = true;
}

/* Called with the signals blocked. After a commit the handlers stay (a
 * late signal is then only noted); otherwise the old ones come back. */
static void uninstall_handlers(bool keep)
{
    if (!pending.active) return;
    sigaction(SIGXFSZ, &pending.saved_xfsz, NULL);
    if (keep) return;
    for (int i = 0; i < NHANDLED; i++)
        if (pending.installed[i]) sigaction(handled[i], &pending.saved[i], NULL);
    mapfile_set_fatal_hook(NULL);
    pending.active = false;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The file `path` ends at: symlinks followed (a relative link is read
 * from the link's folder), to a file that is not a link or does not exist
 * (then it is to be created). NULL with errno set on a loop or an
 * unreadable link. */
static char *follow_links(const char *path)
{
    char *p = xstrdup(path);
    for (int hops = 0;; hops++) {
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode)) return p;
        if (hops == MAX_LINKS) {
            free(p);
            errno = ELOOP;
            return NULL;
        }
        char link[4097];
        ssize_t n = readlink(p, link, sizeof link - 1);
        if (n < 0 || n == (ssize_t)sizeof link - 1) {
            int e = n < 0 ? errno : ENAMETOOLONG;
            free(p);
            errno = e;
            return NULL;
        }
        link[n] = '\0';
        const char *slash = strrchr(p, '/');
        char *next;
        if (link[0] == '/' || !slash) {
            next = xstrdup(link);
        } else {
            size_t d = (size_t)(slash - p) + 1;
            next = xmalloc(d + (size_t)n + 1);
            memcpy(next, p, d);
            memcpy(next + d, link, (size_t)n + 1);
        }
        free(p);
        p = next;
    }
}

/* Whether name is a temporary of ours for a file whose name starts with
 * the `blen` bytes of base: ".BASE.kam-tmp-PID-XXXXXX". Sets *pid. */
static bool is_our_tmp(const char *name, const char *base, size_t blen, long *pid)
{
    if (name[0] != '.' || strncmp(name + 1, base, blen) != 0) return false;
    const char *p = name + 1 + blen;
    if (strncmp(p, TMP_TAG, sizeof TMP_TAG - 1) != 0) return false;
    p += sizeof TMP_TAG - 1;
    long v = 0;
    const char *digits = p;
    while (*p >= '0' && *p <= '9' && p - digits < 10) v = v * 10 + (*p++ - '0');
    if (p == digits || *p != '-') return false;
    p++;
    for (int i = 0; i < 6; i++, p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return false;
    if (*p) return false;
    *pid = v;
    return true;
}

static size_t tmp_base_len(const char *base)
{
    size_t n = strlen(base);
    return n > TMP_BASE_MAX ? TMP_BASE_MAX : n;
}

/* Removes the temporaries of earlier runs for this target whose process is
 * gone (killed by SIGKILL, or a power cut): regular files of ours only. */
static void remove_stale(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (!d) return;
    size_t blen = tmp_base_len(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid;
        if (!is_our_tmp(e->d_name, base, blen, &pid)) continue;
        if (pid <= 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;    /* still running */
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != geteuid())
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            fprintf(stderr, "kam: removed %s%s%s, left by an earlier run that was killed\n",
                    strcmp(dir, ".") ? dir : "", strcmp(dir, ".") ? "/" : "", e->d_name);
    }
    closedir(d);
}

/* A fresh name "DIR/.BASE.kam-tmp-PID-XXXXXX" in buf. */
static void tmp_name(const OutFile *f, char *buf, size_t len)
{
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 17) ^
                 (++counter * 0x9E3779B97F4A7C15u);
    x ^= x >> 31;       /* splitmix-style finish */
    x *= 0xBF58476D1CE4E5B9u;
    x ^= x >> 27;
    char suffix[7];
    for (int i = 0; i < 6; i++, x /= 62) suffix[i] = alnum[x % 62];
    suffix[6] = '\0';
    snprintf(buf, len, "%s/.%.*s%s%ld-%s", f->dir, (int)tmp_base_len(f->base), f->base, TMP_TAG,
             (long)getpid(), suffix);
}

/* Creates a named temporary file for f (mode 0600 until fchmod); its name
 * goes to pending.tmp. Call with the signals blocked. -1 on failure. */
static int create_named(OutFile *f)
{
    for (int tries = 0; tries < 100; tries++) {
        char name[TMP_PATH_MAX];
        tmp_name(f, name, sizeof name);
        int fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            snprintf(pending.tmp, sizeof pending.tmp, "%s", name);
            return fd;
        }
        if (errno != EEXIST) return -1;
    }
    return -1;
}

/* Gives the unnamed temporary file a name in pending.tmp (signals
 * blocked). If linkat is refused, the contents are copied to a named
 * temporary instead. 0, or -1 with errno set. */
static int name_unnamed(OutFile *f)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->fd);
    for (int tries = 0; tries < 100; tries++) {
        char name[TMP_PATH_MAX];
        tmp_name(f, name, sizeof name);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0) {
            snprintf(pending.tmp, sizeof pending.tmp, "%s", name);
            return 0;
        }
        if (errno != EEXIST) break;
    }
    int to = create_named(f);
    if (to < 0) return -1;
    char block[65536];
    off_t at = 0;
    for (;;) {
        ssize_t n = pread(f->fd, block, sizeof block, at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0 && fsync(to) == 0 && close(to) == 0) return 0;
            int e = errno;
            close(to);
            unlink(pending.tmp);
            pending.tmp[0] = '\0';
            errno = e;
            return -1;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(to, block + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                int e = errno;
                close(to);
                unlink(pending.tmp);
                pending.tmp[0] = '\0';
                errno = e;
                return -1;
            }
            off += w;
        }
        at += n;
    }
}

/* An unnamed temporary file in f->dir, if the system has them and
 * /proc/self/fd is there to give it a name later; else -1. */
static int create_unnamed(const OutFile *f)
{
#ifdef O_TMPFILE
    if (access("/proc/self/fd", X_OK) != 0) return -1;
    return open(f->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#else
    (void)f;
    return -1;
#endif
}

#ifdef SYNC_FILE_RANGE_WRITE
/* Starts writeback of whole pages the file has gained since the last
 * time, once there are WB_STEP bytes of them. false if it cannot. */
static bool writeback_step(OutFile *f)
{
    struct stat st;
    if (fstat(f->fd, &st) != 0) return false;
    off_t end = st.st_size & ~(off_t)4095;
    if (end < f->wb_done) f->wb_done = end;         /* cut back for a redo */
    if (end - f->wb_done < WB_STEP) return true;
    if (sync_file_range(f->fd, f->wb_done, end - f->wb_done, SYNC_FILE_RANGE_WRITE) != 0)
        return false;
    f->wb_done = end;
    return true;
}

static void *writeback_main(void *arg)
{
    OutFile *f = arg;
    pthread_mutex_lock(&f->wb_mu);
    while (!f->wb_stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += WB_POLL_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&f->wb_cv, &f->wb_mu, &until);
        if (f->wb_stop) break;
        pthread_mutex_unlock(&f->wb_mu);
        bool ok = writeback_step(f);
        pthread_mutex_lock(&f->wb_mu);
        if (!ok) break;         /* the fsync will do it all */
    }
    pthread_mutex_unlock(&f->wb_mu);
    return NULL;
}
#endif

/* Starts f's writeback thread, with every signal blocked in it. */
static void writeback_start(OutFile *f)
{
#ifdef SYNC_FILE_RANGE_WRITE
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->wb_cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&f->wb_mu, NULL);
    f->wb_stop = false;
    f->wb_done = 0;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    f->wb_on = pthread_create(&f->wb, NULL, writeback_main, f) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!f->wb_on) {
        pthread_cond_destroy(&f->wb_cv);
        pthread_mutex_destroy(&f->wb_mu);
    }
#else
    (void)f;
#endif
}

/* Stops it (before the output is flushed, synced or dropped). */
static void writeback_stop(OutFile *f)
{
    if (!f->wb_on) return;
    pthread_mutex_lock(&f->wb_mu);
    f->wb_stop = true;
    pthread_cond_signal(&f->wb_cv);
    pthread_mutex_unlock(&f->wb_mu);
    pthread_join(f->wb, NULL);
    pthread_cond_destroy(&f->wb_cv);
    pthread_mutex_destroy(&f->wb_mu);
    f->wb_on = false;
}

static void free_outfile(OutFile *f)
{
    free(f->shown);
    free(f->final);
    free(f->dir);
    free(f->base);
    free(f);
}

/* The message when target is the same file as input `in`, or false. */
static bool same_as_input(const char *target, const struct stat *ts, const OutInput *in, char *err,
                          size_t errlen)
{
    struct stat is;
    bool from_stdin = strcmp(in->path, "-") == 0;
    if ((from_stdin ? fstat(STDIN_FILENO, &is) : stat(in->path, &is)) != 0) return false;
    if (is.st_dev != ts->st_dev || is.st_ino != ts->st_ino) return false;
    if (from_stdin)
        set_err(err, errlen, "--out %s is the file standard input reads (%s): writing the output "
                "there would destroy the input; name another file", target, in->what);
    else if (strcmp(in->path, target) == 0)
        set_err(err, errlen, "--out %s is %s: writing the output there would destroy it; name "
                "another file", target, in->what);
    else
        set_err(err, errlen, "--out %s is the same file as %s %s (a link to it): writing the "
                "output there would destroy it; name another file", target, in->what, in->path);
    return true;
}

/* outfile_open, with unnamed temporaries allowed or not (the unit test
 * tries both ways). */
static OutFile *open_target(const char *target, const OutInput *inputs, int ninputs,
                            bool allow_unnamed, char *err, size_t errlen)
{
    struct stat ts;
    bool exists = stat(target, &ts) == 0;
    for (int i = 0; exists && i < ninputs; i++)
        if (same_as_input(target, &ts, &inputs[i], err, errlen)) return NULL;

    OutFile *f = xcalloc(1, sizeof *f);
    f->fd = -1;
    f->shown = xstrdup(target);
    if (exists && !S_ISREG(ts.st_mode) && !S_ISDIR(ts.st_mode)) {
        f->direct = true;           /* a device or FIFO: no rename over it */
        f->fp = fopen(target, "w");
        if (!f->fp) {
            set_err(err, errlen, "cannot write %s: %s", target, strerror(errno));
            free_outfile(f);
            return NULL;
        }
        return f;
    }
    f->final = follow_links(target);
    if (!f->final) {
        set_err(err, errlen, "cannot write %s: %s", target, strerror(errno));
        free_outfile(f);
        return NULL;
    }
    const char *slash = strrchr(f->final, '/');
    f->base = xstrdup(slash ? slash + 1 : f->final);
    f->dir = slash == f->final ? xstrdup("/")
             : slash ? strndup(f->final, (size_t)(slash - f->final))
                     : xstrdup(".");
    if (!f->dir) f->dir = xstrdup(".");     /* strndup out of memory: xstrdup fails loudly */
    if (exists && S_ISDIR(ts.st_mode)) {
        set_err(err, errlen, "cannot write %s: %s", target, strerror(EISDIR));
        free_outfile(f);
        return NULL;
    }
    if (!f->base[0] || !strcmp(f->base, ".") || !strcmp(f->base, "..")) {
        set_err(err, errlen, "cannot write %s: it names a folder, not a file", target);
        free_outfile(f);
        return NULL;
    }
    remove_stale(f->dir, f->base);

    /* the output gets the target's permission bits, or the usual ones for
       a new file; never setuid, setgid or sticky */
    mode_t mask = umask(0);
    umask(mask);
    struct stat fs;
    mode_t mode = stat(f->final, &fs) == 0 ? (fs.st_mode & 0777) : (0666 & ~mask);

    sigset_t old;
    block_signals(&old);        /* no signal between creating it and noting it */
    pending.tmp[0] = '\0';
    int fd = allow_unnamed ? create_unnamed(f) : -1;
    if (fd >= 0) f->unnamed = true;
    else fd = create_named(f);
    int e = errno;
    if (fd >= 0) install_handlers(target);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        set_err(err, errlen, "cannot write %s: %s", target, strerror(e));
        free_outfile(f);
        return NULL;
    }
    f->fd = fd;
    fchmod(fd, mode);
    f->fp = fdopen(fd, "w");
    if (!f->fp) {
        set_err(err, errlen, "cannot write %s: %s", target, strerror(errno));
        outfile_abort(f);
        return NULL;
    }
    writeback_start(f);
    return f;
}

OutFile *outfile_open(const char *target, const OutInput *inputs, int ninputs, char *err,
                      size_t errlen)
{
    return open_target(target, inputs, ninputs, true, err, errlen);
}

FILE *outfile_stream(OutFile *f)
{
    return f->fp;
}

/* Drops the temporary file and the handlers; signals blocked. */
static void drop(OutFile *f)
{
    if (f->fp) fclose(f->fp);
    else if (f->fd >= 0) close(f->fd);
    f->fp = NULL;
    f->fd = -1;
    if (pending.tmp[0]) unlink(pending.tmp);
    pending.tmp[0] = '\0';
    uninstall_handlers(false);
}

bool outfile_abort(OutFile *f)
{
    writeback_stop(f);
    bool untouched = !f->direct;
    if (f->direct) {
        if (f->fp) fclose(f->fp);
    } else {
        sigset_t old;
        block_signals(&old);
        drop(f);
        sigprocmask(SIG_SETMASK, &old, NULL);
    }
    free_outfile(f);
    return untouched;
}

int outfile_commit(OutFile *f, char *err, size_t errlen)
{
    if (f->direct) {
        int rc = ferror(f->fp) | fflush(f->fp);
        rc |= fclose(f->fp);
        f->fp = NULL;
        if (rc) set_err(err, errlen, "writing %s failed: %s", f->shown, strerror(errno));
        free_outfile(f);
        return rc ? -1 : 0;
    }
    writeback_stop(f);
    if (ferror(f->fp) || fflush(f->fp) != 0 || (fsync(f->fd) != 0 && errno != EINVAL)) {
        set_err(err, errlen, "writing %s failed: %s; nothing was written", f->shown,
                strerror(errno));
        outfile_abort(f);
        return -1;
    }
    sigset_t old;
    block_signals(&old);
    const char *failed = NULL;     /* "... FILE: reason" */
    if (f->unnamed && name_unnamed(f) != 0) failed = "cannot give a name to the output for";
    int rc = fclose(f->fp);
    f->fp = NULL;
    f->fd = -1;
    if (!failed && rc != 0) failed = "cannot write";
    if (!failed && rename(pending.tmp, f->final) != 0) failed = "cannot rename the output to";
    int e = errno;
    if (failed) {
        drop(f);
        set_err(err, errlen, "%s %s: %s; nothing was written", failed, f->shown, strerror(e));
    } else {
        pending.tmp[0] = '\0';
        pending.committed = 1;
        uninstall_handlers(true);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);   /* a signal held meanwhile comes now */
    free_outfile(f);
    return failed ? -1 : 0;
}
