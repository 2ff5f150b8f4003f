/* creds_process.c - credential_process, step 6 of the chain: the
 * command runs as a child in its own process group, its stdout and stderr
 * watched by the reactor with size limits, killed at the time limit. */
/* posix_spawn_file_actions_addclosefrom_np and pipe2 */
#define _GNU_SOURCE 1
#include "aws/creds_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/mem.h"

#define CREDS_PROCESS_MAX_OUT (64 * 1024)
#define CREDS_PROCESS_MAX_ERR (4 * 1024)
#define CREDS_PROCESS_POLL_MS 20

extern char **environ;

struct creds_proc {
    struct creds_job *job;
    pid_t pid;
    int fd[2]; /* stdout, stderr (read ends) */
    void *w[2];
    struct buf out, err;
    void *poll_timer;
    uint64_t deadline;
    bool overflow;
};

static void creds_proc_close(struct creds_proc *pr, int i)
{
    if (pr->fd[i] >= 0) {
        reactor_unwatch(pr->job->p->r, pr->w[i]);
        pr->w[i] = NULL;
        close(pr->fd[i]);
        pr->fd[i] = -1;
    }
}

void creds_process_free(struct creds_proc *pr)
{
    const struct reactor *r = pr->job->p->r;
    creds_proc_close(pr, 0);
    creds_proc_close(pr, 1);
    reactor_untimer(r, pr->poll_timer);
    if (pr->pid > 0) {
        /* Cancelled or timed out: stop the whole process group. After
         * SIGKILL the wait is immediate. */
        kill(-pr->pid, SIGKILL);
        kill(pr->pid, SIGKILL);
        while (waitpid(pr->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        pr->pid = 0;
    }
    buf_free(&pr->out);
    buf_free(&pr->err);
    free(pr);
}

/* Read what is there; false on overflow of stdout. */
static void creds_proc_drain(struct creds_proc *pr, int i)
{
    char chunk[4096];
    while (pr->fd[i] >= 0) {
        ssize_t n = read(pr->fd[i], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            creds_proc_close(pr, i);
            break;
        }
        if (i == 0) {
            if (buf_append(&pr->out, chunk, (size_t)n) != 0)
                pr->overflow = true;
        } else if (pr->err.len < CREDS_PROCESS_MAX_ERR) {
            size_t room = CREDS_PROCESS_MAX_ERR - pr->err.len;
            buf_append(&pr->err, chunk, (size_t)n < room ? (size_t)n : room);
        }
    }
    mem_wipe(chunk, sizeof(chunk));
}

static void creds_proc_finish(struct creds_proc *pr, int status);

static void creds_proc_readable(int fd, int revents, void *arg)
{
    struct creds_proc *pr = arg;
    (void)revents;
    creds_proc_drain(pr, fd == pr->fd[0] ? 0 : 1);
    if (pr->overflow) {
        struct creds_job *j = pr->job;
        j->proc = NULL;
        creds_process_free(pr);
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessOutput",
                       "credential_process for profile '%s' wrote more than %d KiB", j->p->profile,
                       CREDS_PROCESS_MAX_OUT / 1024);
        creds_job_done(j);
    }
}

static void creds_proc_poll(void *arg)
{
    struct creds_proc *pr = arg;
    struct creds_job *j = pr->job;
    pr->poll_timer = NULL;
    int status = 0;
    pid_t w = waitpid(pr->pid, &status, WNOHANG);
    if (w == pr->pid || (w < 0 && errno == ECHILD)) {
        pr->pid = 0;
        creds_proc_drain(pr, 0);
        creds_proc_drain(pr, 1);
        creds_proc_finish(pr, w < 0 ? -1 : status);
        return;
    }
    if (reactor_now_ms(j->p->r) >= pr->deadline) {
        j->proc = NULL;
        creds_process_free(pr); /* kills the process group */
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessTimeout",
                       "credential_process for profile '%s' did not finish within %ld ms",
                       j->p->profile, j->p->process_timeout_ms);
        creds_job_done(j);
        return;
    }
    pr->poll_timer = reactor_timer(j->p->r, CREDS_PROCESS_POLL_MS, creds_proc_poll, pr);
}

static void creds_proc_finish(struct creds_proc *pr, int status)
{
    struct creds_job *j = pr->job;
    struct creds_provider *p = j->p;
    j->proc = NULL;
    char line[256] = "";
    const char *e = buf_str(&pr->err);
    size_t n = strcspn(e, "\r\n");
    snprintf(line, sizeof(line), "%.*s", (int)n, e);
    if (pr->overflow) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessOutput",
                       "credential_process for profile '%s' wrote more than %d KiB", p->profile,
                       CREDS_PROCESS_MAX_OUT / 1024);
    } else if (status < 0) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessFailed",
                       "credential_process for profile '%s': cannot get its exit status",
                       p->profile);
    } else if (WIFSIGNALED(status)) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessFailed",
                       "credential_process for profile '%s' was killed by signal %d%s%s",
                       p->profile, WTERMSIG(status), line[0] ? ": " : "", line);
    } else if (WEXITSTATUS(status) != 0) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessFailed",
                       "credential_process for profile '%s' exited with status %d%s%s", p->profile,
                       WEXITSTATUS(status), line[0] ? ": " : "", line);
    } else {
        json_error_t jerr;
        json_t *doc = json_loadb(pr->out.data ? pr->out.data : "", pr->out.len, 0, &jerr);
        char what[160];
        snprintf(what, sizeof(what), "credential_process for profile '%s'", p->profile);
        if (!json_is_object(doc)) {
            creds_job_fail(j, AWS_ERR_PARSE, "CredentialProcessOutput",
                           "%s did not print a JSON object (line %d: %s)", what, jerr.line,
                           doc ? "not an object" : jerr.text);
        } else {
            json_t *ver = json_object_get(doc, "Version");
            if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
                creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessVersion",
                               "%s printed Version %s; only Version 1 is supported", what,
                               json_is_integer(ver) ? "other than 1" : "missing or not a number");
            } else {
                creds_from_json(j, doc, "AccessKeyId", "SecretAccessKey", "SessionToken", what);
            }
            creds_json_wipe(doc, "SecretAccessKey");
            creds_json_wipe(doc, "SessionToken");
        }
        json_decref(doc);
        mem_wipe(&jerr, sizeof(jerr)); /* its text may quote the output */
    }
    creds_process_free(pr);
    creds_job_done(j);
}

/* PATH lookup like execvp: a name with a '/' is used as is. NULL with
 * errno set when there is no executable file. */
static char *creds_find_program(const char *name)
{
    if (!*name) {
        errno = ENOENT;
        return NULL;
    }
    if (strchr(name, '/')) {
        if (access(name, X_OK) == 0)
            return mem_xstrdup(name);
        return NULL;
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    int first_err = ENOENT;
    while (*path) {
        size_t n = strcspn(path, ":");
        char *cand = n ? mem_xasprintf("%.*s/%s", (int)n, path, name) : mem_xasprintf("./%s", name);
        struct stat st;
        if (access(cand, X_OK) == 0 && stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
            return cand;
        }
        if (errno == EACCES)
            first_err = EACCES;
        free(cand);
        path += n;
        if (*path == ':')
            path++;
    }
    errno = first_err;
    return NULL;
}

enum creds_res creds_process_start(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    const char *cmd = creds_pget(p, "credential_process");
    if (!cmd) {
        creds_note(j, "credential-process: none for profile '%s'", p->profile);
        return CR_SKIP;
    }
    const char *why = NULL;
    char **argv = profile_shell_split(cmd, NULL, &why);
    if (!argv || !argv[0]) {
        creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                       "credential_process of profile '%s' cannot be split into words: %s",
                       p->profile, why ? why : "empty command");
        profile_shell_words_free(argv);
        return CR_DONE;
    }
    /* Find the program first, as a shell would: a clear error for a
     * missing command whatever the spawn implementation reports. */
    char *prog = creds_find_program(argv[0]);
    if (!prog) {
        int e = errno;
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessFailed",
                       "credential_process for profile '%s': cannot run '%s': %s", p->profile,
                       argv[0], strerror(e));
        profile_shell_words_free(argv);
        return CR_DONE;
    }
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (out[i] >= 0)
                close(out[i]);
            if (err[i] >= 0)
                close(err[i]);
        }
        profile_shell_words_free(argv);
        free(prog);
        creds_job_fail(j, AWS_ERR_INTERNAL, "Pipe", "cannot create a pipe: %s", strerror(e));
        return CR_DONE;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_init(&at);
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGCHLD);
    sigaddset(&def, SIGHUP);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, prog, &fa, &at, argv, environ);
    free(prog);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(out[0]);
        close(err[0]);
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessFailed",
                       "credential_process for profile '%s': cannot run '%s': %s", p->profile,
                       argv[0], strerror(rc));
        profile_shell_words_free(argv);
        return CR_DONE;
    }
    profile_shell_words_free(argv);
    struct creds_proc *pr = mem_xcalloc(1, sizeof(*pr));
    pr->job = j;
    pr->pid = pid;
    pr->fd[0] = out[0];
    pr->fd[1] = err[0];
    buf_init(&pr->out, CREDS_PROCESS_MAX_OUT);
    pr->out.secret = true;
    buf_init(&pr->err, CREDS_PROCESS_MAX_ERR + 1);
    for (int i = 0; i < 2; i++) {
        fcntl(pr->fd[i], F_SETFL, fcntl(pr->fd[i], F_GETFL) | O_NONBLOCK);
        pr->w[i] = reactor_watch(p->r, pr->fd[i], REACTOR_READ, creds_proc_readable, pr);
    }
    pr->deadline = reactor_now_ms(p->r) + (uint64_t)p->process_timeout_ms;
    pr->poll_timer = reactor_timer(p->r, CREDS_PROCESS_POLL_MS, creds_proc_poll, pr);
    j->proc = pr;
    return CR_PENDING;
}
