/* test_outfile.c — tests for cli/outfile.c (`--out FILE`, whole or not at
 * all), which it includes so that the file's static helpers can be called:
 * the named temporary (used where O_TMPFILE is not available, so not by
 * the CLI tests on most Linux file systems) and the unnamed one, commit
 * and abort, symlinks followed hop by hop, the temporary-name matcher,
 * permission bits, and signals: before the rename (exit 128+signal, the
 * temporary removed, the target as it was), held during the rename and
 * after it (noted, the run goes on: the target is complete), and the
 * output handed to the disk as it grows, before the commit.
 *
 * Run by tests/run.sh (built against build/libkam.a); argv[1], the tests/
 * folder, is not used. Each case runs in a child process under an alarm,
 * since the signal handlers are process-wide; output: "PASS name" or
 * "FAIL name: reason" per case, exit 1 if any failed. */
#include "../../cli/outfile.c"

#include <sys/wait.h>

enum { WHY_LEN = 1000, CHILD_FAILED = 3 };

static char dir[64];

typedef void CaseFn(char *why);

static void put_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

/* The file's contents (up to 255 bytes), or "<none>". */
static const char *contents(const char *path)
{
    static char buf[256];
    FILE *fp = fopen(path, "r");
    if (!fp) return "<none>";
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* How many names in dir contain "kam-tmp". */
static int temporaries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) n += strstr(e->d_name, "kam-tmp") != NULL;
    if (d) closedir(d);
    return n;
}

/* A fresh case folder's target path: dir/NAME (removed first). */
static const char *target(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
    return path;
}

static OutFile *open_or_fail(const char *path, bool unnamed, char *why)
{
    char err[512];
    OutFile *f = open_target(path, NULL, 0, unnamed, err, sizeof err);
    if (!f) snprintf(why, WHY_LEN, "open %s: %s", path, err);
    return f;
}

static void case_named_commit(char *why)
{
    const char *t = target("named.csv");
    put_file(t, "old\n");
    OutFile *f = open_or_fail(t, false, why);
    if (!f) return;
    if (temporaries() != 1) snprintf(why, WHY_LEN, "no named temporary while writing");
    fputs("new\n", outfile_stream(f));
    char err[512];
    if (outfile_commit(f, err, sizeof err) != 0) snprintf(why, WHY_LEN, "commit: %s", err);
    else if (strcmp(contents(t), "new\n")) snprintf(why, WHY_LEN, "target holds '%s'", contents(t));
    else if (temporaries()) snprintf(why, WHY_LEN, "a temporary is left");
}

static void case_named_abort(char *why)
{
    const char *t = target("abort.csv");
    put_file(t, "old\n");
    OutFile *f = open_or_fail(t, false, why);
    if (!f) return;
    fputs("new\n", outfile_stream(f));
    if (!outfile_abort(f)) snprintf(why, WHY_LEN, "abort says the target was touched");
    else if (strcmp(contents(t), "old\n")) snprintf(why, WHY_LEN, "target holds '%s'", contents(t));
    else if (temporaries()) snprintf(why, WHY_LEN, "a temporary is left");
}

static void case_unnamed_commit(char *why)
{
    const char *t = target("unnamed.csv");
    OutFile *f = open_or_fail(t, true, why);
    if (!f) return;
    if (f->unnamed && temporaries()) snprintf(why, WHY_LEN, "an unnamed temporary has a name");
    fputs("new\n", outfile_stream(f));
    char err[512];
    if (outfile_commit(f, err, sizeof err) != 0) snprintf(why, WHY_LEN, "commit: %s", err);
    else if (strcmp(contents(t), "new\n")) snprintf(why, WHY_LEN, "target holds '%s'", contents(t));
    else if (temporaries()) snprintf(why, WHY_LEN, "a temporary is left");
}

/* The writeback thread starts writing the output to disk while it is
 * written, not only at the commit's fsync. */
static void case_written_back_as_it_grows(char *why)
{
    const char *t = target("grows.csv");
    OutFile *f = open_or_fail(t, true, why);
    if (!f) return;
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    for (int i = 0; i < 8; i++) fwrite(block, 1, sizeof block, outfile_stream(f));
    fflush(outfile_stream(f));
    off_t done = 0;
    for (int tries = 0; tries < 400 && done < WB_STEP; tries++) {    /* 2 s at most */
        usleep(5000);
        pthread_mutex_lock(&f->wb_mu);
        done = f->wb_done;
        pthread_mutex_unlock(&f->wb_mu);
    }
    char err[512];
    struct stat st;
    if (!f->wb_on) snprintf(why, WHY_LEN, "no writeback thread");
    else if (done < WB_STEP) snprintf(why, WHY_LEN, "%lld bytes written back of 8 MiB", (long long)done);
    if (outfile_commit(f, err, sizeof err) != 0) snprintf(why, WHY_LEN, "commit: %s", err);
    else if (stat(t, &st) != 0 || st.st_size != 8 << 20)
        snprintf(why, WHY_LEN, "target has %lld bytes, want 8 MiB", (long long)st.st_size);
}

static void case_mode_bits(char *why)
{
    const char *t = target("mode.csv");
    put_file(t, "old\n");
    chmod(t, 06755);
    OutFile *f = open_or_fail(t, false, why);
    if (!f) return;
    char err[512];
    struct stat st;
    if (outfile_commit(f, err, sizeof err) != 0) snprintf(why, WHY_LEN, "commit: %s", err);
    else if (stat(t, &st) != 0 || (st.st_mode & 07777) != 0755)
        snprintf(why, WHY_LEN, "mode %o, want 755", (unsigned)(st.st_mode & 07777));
}

static void case_follow_links(char *why)
{
    char a[128], b[128], loop1[128], loop2[128], sub[128];
    snprintf(a, sizeof a, "%s/la", dir);
    snprintf(b, sizeof b, "%s/lb", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(loop1, sizeof loop1, "%s/loop1", dir);
    snprintf(loop2, sizeof loop2, "%s/loop2", dir);
    mkdir(sub, 0755);
    if (symlink("lb", a) || symlink("sub/c.csv", b) || symlink("loop2", loop1) || symlink("loop1", loop2)) {
        snprintf(why, WHY_LEN, "symlink: %s", strerror(errno));
        return;
    }
    char want[160];
    snprintf(want, sizeof want, "%s/sub/c.csv", dir);
    char *got = follow_links(a);
    if (!got || strcmp(got, want)) snprintf(why, WHY_LEN, "la -> '%s', want '%s'", got ? got : "NULL", want);
    free(got);
    got = follow_links(loop1);
    if (got || errno != ELOOP) snprintf(why, WHY_LEN, "a loop gave '%s'", got ? got : strerror(errno));
    free(got);
    got = follow_links("plain-name");
    if (!got || strcmp(got, "plain-name")) snprintf(why, WHY_LEN, "a plain name changed");
    free(got);
}

static void case_tmp_names(char *why)
{
    long pid = 0;
    if (!is_our_tmp(".r.csv.kam-tmp-123-aB3dE9", "r.csv", 5, &pid) || pid != 123)
        snprintf(why, WHY_LEN, "a temporary was not recognised");
    const char *no[] = {".r.csv.kam-tmp-123-aB3dE", ".r.csv.kam-tmp-123-aB3dE9x", ".r.csv.kam-tmp--aB3dE9",
                        "r.csv.kam-tmp-123-aB3dE9", ".rx.csv.kam-tmp-123-aB3dE9", ".r.csv.kam-tmp-123-aB3d.9",
                        ".r.csv.tmp-123-aB3dE9"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (is_our_tmp(no[i], "r.csv", 5, &pid)) snprintf(why, WHY_LEN, "'%s' taken for a temporary", no[i]);
}

/* Sends kam's own stderr to dir/err.txt; returns what was there. */
static void capture_stderr(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/err.txt", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
}

static const char *captured(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/err.txt", dir);
    return contents(path);
}

/* In a child: stderr captured, "new\n" written to an OutFile for t and
 * flushed, not committed (exit 1 if it cannot be opened). */
static void child_writes(const char *t, bool unnamed)
{
    capture_stderr();
    char w[WHY_LEN] = "";
    OutFile *f = open_or_fail(t, unnamed, w);
    if (!f) _exit(1);
    fputs("new\n", outfile_stream(f));
    fflush(outfile_stream(f));
}

/* SIGTERM while writing, named or unnamed: exit 143, target as it was. */
static void signal_before_commit(char *why, bool unnamed)
{
    const char *t = target("sig.csv");
    put_file(t, "old\n");
    pid_t pid = fork();
    if (pid == 0) {
        child_writes(t, unnamed);
        raise(SIGTERM);
        _exit(2);
    }
    int status;
    waitpid(pid, &status, 0);
    char want[200];
    snprintf(want, sizeof want, "kam: interrupted by SIGTERM; %s was not written\n", t);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 128 + SIGTERM)
        snprintf(why, WHY_LEN, "status %d, want exit 143", status);
    else if (strcmp(contents(t), "old\n")) snprintf(why, WHY_LEN, "target holds '%s'", contents(t));
    else if (temporaries()) snprintf(why, WHY_LEN, "a temporary is left");
    else if (strcmp(captured(), want)) snprintf(why, WHY_LEN, "message '%s'", captured());
}

static void case_signal_before_commit_named(char *why)
{
    signal_before_commit(why, false);
}

static void case_signal_before_commit_unnamed(char *why)
{
    signal_before_commit(why, true);
}

/* A signal that arrives during the rename (held: blocked by the test
 * around the commit, as kam blocks it) or after it: noted, not fatal, the
 * target complete. */
static void signal_at_commit(char *why, bool during, bool unnamed)
{
    const char *t = target("late.csv");
    put_file(t, "old\n");
    capture_stderr();
    OutFile *f = open_or_fail(t, unnamed, why);
    if (!f) return;
    fputs("new\n", outfile_stream(f));
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    if (during) {
        sigprocmask(SIG_BLOCK, &term, &old);
        raise(SIGTERM);         /* pending until after the commit */
    }
    char err[512];
    int rc = outfile_commit(f, err, sizeof err);
    if (during) sigprocmask(SIG_SETMASK, &old, NULL);
    else raise(SIGTERM);
    char want[200];
    snprintf(want, sizeof want, "kam: SIGTERM arrived after %s was written in full; finishing\n", t);
    if (rc != 0) snprintf(why, WHY_LEN, "commit: %s", err);
    else if (strcmp(contents(t), "new\n")) snprintf(why, WHY_LEN, "target holds '%s'", contents(t));
    else if (temporaries()) snprintf(why, WHY_LEN, "a temporary is left");
    else if (strcmp(captured(), want)) snprintf(why, WHY_LEN, "message '%s'", captured());
}

static void case_signal_during_commit_named(char *why)
{
    signal_at_commit(why, true, false);
}

static void case_signal_during_commit_unnamed(char *why)
{
    signal_at_commit(why, true, true);
}

static void case_signal_after_commit(char *why)
{
    signal_at_commit(why, false, false);
}

/* A data file cut short under its mapping while the output is written:
 * base/mapfile.c's SIGBUS handler says so, the output's temporary file is
 * removed (the hook this file sets), the target is as it was, exit 3. */
static void data_shrank(char *why, bool unnamed)
{
    const char *t = target("bus.csv");
    put_file(t, "old\n");
    char data[128];
    snprintf(data, sizeof data, "%s/data.csv", dir);
    static char block[3 << 20];
    memset(block, 'x', sizeof block);
    FILE *fp = fopen(data, "w");
    if (!fp || fwrite(block, 1, sizeof block, fp) != sizeof block || fclose(fp) != 0) {
        snprintf(why, WHY_LEN, "cannot write %s", data);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        child_writes(t, unnamed);
        int fd = open(data, O_RDONLY);
        MappedFile m;
        if (fd < 0 || !mapfile_map(&m, fd, sizeof block, 64, -1, "data.csv")) _exit(2);
        if (truncate(data, 100) != 0) _exit(3 + 1);
        volatile char c = m.data[2 << 20];  /* a page past the new end */
        (void)c;
        _exit(5);
    }
    int status;
    waitpid(pid, &status, 0);
    char want[300];
    snprintf(want, sizeof want, "kam: data.csv: the file shrank while it was being read (another "
             "program truncated or rewrote it); kam stopped: run again once the file is "
             "complete\nkam: %s was not written\n", t);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 3)
        snprintf(why, WHY_LEN, "status %d, want exit 3", status);
    else if (strcmp(contents(t), "old\n")) snprintf(why, WHY_LEN, "target holds '%s'", contents(t));
    else if (temporaries()) snprintf(why, WHY_LEN, "a temporary is left");
    else if (strcmp(captured(), want)) snprintf(why, WHY_LEN, "message '%s'", captured());
    unlink(data);
}

static void case_data_shrank_named(char *why)
{
    data_shrank(why, false);
}

static void case_data_shrank_unnamed(char *why)
{
    data_shrank(why, true);
}

static void case_same_file_refused(char *why)
{
    const char *t = target("data.csv");
    put_file(t, "id\n");
    char hard[128];
    snprintf(hard, sizeof hard, "%s/hard.csv", dir);
    unlink(hard);
    if (link(t, hard) != 0) {
        snprintf(why, WHY_LEN, "link: %s", strerror(errno));
        return;
    }
    OutInput in[] = {{"nope.kam", "the policy"}, {t, "the data file"}};
    char err[512];
    OutFile *f = open_target(hard, in, 2, true, err, sizeof err);
    if (f) {
        outfile_abort(f);
        snprintf(why, WHY_LEN, "a hard link to the data was accepted");
    } else if (!strstr(err, "is the same file as the data file")) {
        snprintf(why, WHY_LEN, "message '%s'", err);
    } else if (strcmp(contents(t), "id\n")) {
        snprintf(why, WHY_LEN, "the data changed");
    }
}

static int run_case(const char *name, CaseFn *fn)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20);
        char why[WHY_LEN] = "";
        fn(why);
        if (why[0]) printf("FAIL %s: %s\n", name, why);
        else printf("PASS %s\n", name);
        exit(why[0] ? CHILD_FAILED : 0);    /* exit, not _exit: LeakSanitizer checks */
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) continue;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != CHILD_FAILED)
        printf("FAIL %s: died (status %d)\n", name, status);
    return 1;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/kam_test_outfile.XXXXXX");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "test_outfile: mkdtemp: %s\n", strerror(errno));
        return 2;
    }
    static const struct { const char *name; CaseFn *fn; } cases[] = {
        {"named_temporary_commit", case_named_commit},
        {"named_temporary_abort_leaves_target", case_named_abort},
        {"unnamed_temporary_commit", case_unnamed_commit},
        {"setuid_setgid_not_copied", case_mode_bits},
        {"written_back_as_it_grows", case_written_back_as_it_grows},
        {"symlinks_followed_hop_by_hop", case_follow_links},
        {"temporary_names_recognised", case_tmp_names},
        {"signal_before_commit_named", case_signal_before_commit_named},
        {"signal_before_commit_unnamed", case_signal_before_commit_unnamed},
        {"signal_during_commit_named", case_signal_during_commit_named},
        {"signal_during_commit_unnamed", case_signal_during_commit_unnamed},
        {"signal_after_commit", case_signal_after_commit},
        {"hard_link_to_an_input_refused", case_same_file_refused},
        {"data_shrank_under_its_mapping_named", case_data_shrank_named},
        {"data_shrank_under_its_mapping_unnamed", case_data_shrank_unnamed},
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) failed += run_case(cases[i].name, cases[i].fn);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "test_outfile: could not remove %s\n", dir);
    return failed ? 1 : 0;
}
