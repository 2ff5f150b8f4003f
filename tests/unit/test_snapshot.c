/* test_snapshot.c - the incident snapshot's files (core/snapshot.h): the
 * Markdown and JSON renderings of every section (a recorded cluster-mode
 * group, events, metrics, a doctor report, log records with table pipes,
 * control bytes and code fences), failed and skipped sections saying why,
 * and the files: 0600 in 0700 folders even under umask 000, never over an
 * existing snapshot, JSON that parses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/mem.h"
#include "core/snapshot.h"

#include "model_fixture.h"

#define T0 1764272172000LL /* 2025-11-27T19:36:12Z */

struct fixture {
    struct model_group *g;
    struct events_result ev;
    struct metrics_result *mx;
    struct doctor_report rep;
    struct doctor_check checks[2];
    struct snapshot_log logs[3];
    struct snapshot_data d;
};

static void fx_init(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    f->ev.items = mem_xcalloc(2, sizeof(*f->ev.items));
    f->ev.items[0] =
        (struct events_event){T0 - 1000, mem_xstrdup("replication-group"), mem_xstrdup("cme"),
                              mem_xstrdup("Test Failover API called for node group 0002")};
    f->ev.items[1] =
        (struct events_event){T0, mem_xstrdup("cache-cluster"), mem_xstrdup("cme-0002-001"),
                              mem_xstrdup("a | pipe and \x1b[31m an escape")};
    f->ev.n = 2;
    f->ev.start_ms = T0 - 3600000;
    f->ev.end_ms = T0;
    /* one node, two metrics: one with points, one empty */
    f->mx = mem_xcalloc(1, sizeof(*f->mx));
    f->mx->series = mem_xcalloc(2, sizeof(*f->mx->series));
    f->mx->n_series = 2;
    f->mx->n_nodes = 1;
    f->mx->n_metrics = 2;
    f->mx->period_s = 60;
    f->mx->start_ms = T0 - 3600000;
    f->mx->end_ms = T0;
    struct metrics_series *s = &f->mx->series[0];
    s->cache_cluster_id = mem_xstrdup("cme-0001-001");
    s->metric = mem_xstrdup("CPUUtilization");
    s->stat = mem_xstrdup("Average");
    s->unit = "Percent";
    s->period_s = 60;
    s->n = 3;
    s->timestamps_ms = mem_xcalloc(3, sizeof(int64_t));
    s->values = mem_xcalloc(3, sizeof(double));
    for (int i = 0; i < 3; i++) {
        s->timestamps_ms[i] = T0 - (3 - i) * 60000LL;
        s->values[i] = 10.0 * (i + 1);
    }
    s = &f->mx->series[1];
    s->cache_cluster_id = mem_xstrdup("cme-0001-001");
    s->metric = mem_xstrdup("ReplicationLag");
    s->stat = mem_xstrdup("Maximum");
    /* the doctor: one node fails */
    struct doctor_check *c = &f->checks[0];
    c->kind = DOCTOR_KIND_CONFIG;
    snprintf(c->host, sizeof(c->host), "cme.cfg.example");
    c->port = 6379;
    c->done = c->ok = true;
    c = &f->checks[1];
    c->kind = DOCTOR_KIND_NODE;
    snprintf(c->host, sizeof(c->host), "cme-0002-002.example");
    c->port = 6379;
    snprintf(c->cache_cluster_id, sizeof(c->cache_cluster_id), "cme-0002-002");
    c->done = true;
    c->cause = DOCTOR_CAUSE_NETWORK_TIMEOUT;
    snprintf(c->error, sizeof(c->error), "connect timed out after 5000 ms");
    snprintf(c->advice, sizeof(c->advice), "a security group drops the traffic");
    f->rep.checks = f->checks;
    f->rep.n_checks = 2;
    f->rep.failed = 1;
    snprintf(f->rep.summary, sizeof(f->rep.summary), "1 of 2 failed");
    f->logs[0] = (struct snapshot_log){T0 - 2000, "slow-log cme-0001-001", "GET key | 12 ms"};
    f->logs[1] = (struct snapshot_log){T0 - 1000, "engine-log cme-0001-001", "```not a fence"};
    f->logs[2] = (struct snapshot_log){T0, "engine-log cme-0001-001", "bell \x07 here"};
    struct snapshot_data *d = &f->d;
    d->rg_id = "cme";
    d->region = "us-east-2";
    d->taken_ms = T0;
    d->model = f->g;
    d->events = &f->ev;
    d->metrics = f->mx;
    d->doctor = &f->rep;
    d->logs = f->logs;
    d->n_logs = 3;
    d->logs_open = true;
    for (int i = 0; i < SNAPSHOT_SECTIONS; i++)
        d->state[i] = SNAPSHOT_OK;
}

static void fx_free(struct fixture *f)
{
    model_group_unref(f->g);
    for (size_t i = 0; i < f->ev.n; i++) {
        free(f->ev.items[i].source_type);
        free(f->ev.items[i].source_id);
        free(f->ev.items[i].message);
    }
    free(f->ev.items);
    metrics_result_free(f->mx);
}

static void test_markdown(void **state)
{
    (void)state;
    struct fixture f;
    fx_init(&f);
    char *md = snapshot_markdown(&f.d);
    static const char *const heads[] = {"# Incident snapshot: cme\n",
                                        "\n## Topology\n",
                                        "\n## Placement (shards x AZs) and risks\n",
                                        "\n## Events (last hour)\n",
                                        "\n## Log records (the last 200 of the open tail)\n",
                                        "\n## Metrics (last hour)\n",
                                        "\n## Connectivity (doctor)\n"};
    const char *prev = md;
    for (size_t i = 0; i < sizeof(heads) / sizeof(*heads); i++) {
        const char *h = strstr(md, heads[i]);
        if (!h)
            fail_msg("no heading %s in:\n%s", heads[i], md);
        assert_true(h >= prev); /* in this order */
        prev = h;
    }
    assert_non_null(strstr(md, "- Taken: 2025-11-27T19:36:12Z by elcui"));
    assert_non_null(strstr(md, "| 0002 | 5462-10922 | cme-0002-001 |"));
    /* a pipe in a cell is escaped, an escape byte never reaches the file */
    assert_non_null(strstr(md, "a \\| pipe and \\x1b[31m an escape"));
    assert_null(strchr(md, '\x1b'));
    assert_null(strchr(md, '\x07'));
    /* records in one fenced block: a fence inside a record cannot end it */
    assert_non_null(
        strstr(md, "```\n2025-11-27T19:36:10Z  slow-log cme-0001-001  GET key | 12 ms\n"));
    assert_non_null(strstr(md, "`\\``not a fence"));
    assert_non_null(strstr(md, "| cme-0001-001 | CPUUtilization | Average | 30 | "
                               "2025-11-27T19:35:12Z | 10 | 20 | 30 |"));
    assert_non_null(strstr(md, "| cme-0001-001 | ReplicationLag | Maximum | none |"));
    assert_non_null(strstr(md, "| cme-0002-002.example:6379 | node | cme-0002-002 | FAIL | "
                               "security-group-or-vpc |"));
    assert_non_null(strstr(md, "connect timed out after 5000 ms. a security group drops"));
    free(md);
    /* sections that failed or were skipped say why */
    f.d.model = NULL;
    f.d.events = NULL;
    f.d.metrics = NULL;
    f.d.doctor = NULL;
    f.d.logs_open = false;
    f.d.n_logs = 0;
    f.d.state[SNAPSHOT_TOPOLOGY] = SNAPSHOT_FAILED;
    f.d.note[SNAPSHOT_TOPOLOGY] = "AccessDenied: no elasticache:Describe*";
    f.d.state[SNAPSHOT_EVENTS] = SNAPSHOT_FAILED;
    f.d.note[SNAPSHOT_EVENTS] = "Throttling";
    f.d.state[SNAPSHOT_DOCTOR] = SNAPSHOT_SKIPPED;
    f.d.note[SNAPSHOT_DOCTOR] = "left out (--no-doctor)";
    md = snapshot_markdown(&f.d);
    assert_non_null(strstr(md, "topology failed (AccessDenied: no elasticache:Describe*)"));
    assert_non_null(strstr(md, "Not known: AccessDenied"));
    assert_non_null(strstr(md, "Not known without the topology."));
    assert_non_null(strstr(md, "Not read: Throttling"));
    assert_non_null(strstr(md, "No log tail was open"));
    assert_non_null(strstr(md, "Skipped: left out (--no-doctor)"));
    free(md);
    fx_free(&f);
}

static void test_json(void **state)
{
    (void)state;
    struct fixture f;
    fx_init(&f);
    f.d.state[SNAPSHOT_DOCTOR] = SNAPSHOT_FAILED;
    f.d.note[SNAPSHOT_DOCTOR] = "no answer";
    json_t *j = snapshot_json(&f.d);
    static const char *const names[] = {"snapshot", "topology", "placement", "events",
                                        "logs",     "metrics",  "doctor"};
    assert_int_equal(json_object_size(j), 7);
    for (size_t i = 0; i < 7; i++)
        assert_non_null(json_object_get(j, names[i]));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "snapshot"), "takenAt")),
        "2025-11-27T19:36:12.000Z");
    json_t *topo = json_object_get(json_object_get(j, "topology"), "data");
    assert_int_equal(json_array_size(json_object_get(topo, "shards")), 3);
    json_t *pl = json_object_get(json_object_get(j, "placement"), "data");
    assert_int_equal(json_array_size(json_object_get(pl, "matrix")), 3);
    json_t *ev = json_object_get(json_object_get(j, "events"), "data");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(ev, "items"), 1), "message")),
                        "a | pipe and \x1b[31m an escape"); /* JSON keeps the text as it was */
    json_t *logs = json_object_get(json_object_get(j, "logs"), "data");
    assert_true(json_is_true(json_object_get(logs, "tailOpen")));
    assert_int_equal(json_array_size(json_object_get(logs, "records")), 3);
    json_t *cpu = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(j, "metrics"), "data"), "nodes"),
            "cme-0001-001"),
        "CPUUtilization");
    assert_true(fabs(json_real_value(json_object_get(cpu, "latest")) - 30.0) < 1e-9);
    assert_true(fabs(json_real_value(json_object_get(cpu, "avg")) - 20.0) < 1e-9);
    json_t *doc = json_object_get(j, "doctor");
    assert_string_equal(json_string_value(json_object_get(doc, "state")), "failed");
    assert_string_equal(json_string_value(json_object_get(doc, "note")), "no answer");
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "data"), "checks")), 2);
    json_decref(j);
    fx_free(&f);
}

static void test_write_modes(void **state)
{
    (void)state;
    struct fixture f;
    fx_init(&f);
    char tmpl[] = "/tmp/elcui-snapshot-test-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *dir = mem_xasprintf("%s/state/elcui/snapshots", tmpl);
    mode_t old = umask(0);
    char *md = NULL, *js = NULL, *md2 = NULL, *js2 = NULL, err[600];
    int rc = snapshot_write(dir, &f.d, &md, &js, err, sizeof(err));
    int rc2 = snapshot_write(dir, &f.d, &md2, &js2, err, sizeof(err));
    umask(old);
    assert_int_equal(rc, 0);
    assert_int_equal(rc2, 0);
    char *want = mem_xasprintf("%s/snapshot-cme-20251127T193612Z.md", dir);
    assert_string_equal(md, want);
    free(want);
    want = mem_xasprintf("%s/snapshot-cme-20251127T193612Z-2.json", dir);
    assert_string_equal(js2, want); /* the same second again: never over the first */
    free(want);
    struct stat st;
    const char *files[] = {md, js, md2, js2};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(stat(files[i], &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    char *sub = mem_xasprintf("%s/state", tmpl);
    char *sub2 = mem_xasprintf("%s/state/elcui", tmpl);
    const char *dirs[] = {sub, sub2, dir};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(stat(dirs[i], &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
    }
    json_error_t je;
    json_t *j = json_load_file(js, 0, &je);
    assert_non_null(j);
    assert_non_null(json_object_get(j, "doctor"));
    json_decref(j);
    /* a folder that cannot be made: the reason */
    char *bad = mem_xasprintf("%s/file", tmpl);
    FILE *fp = fopen(bad, "w");
    fclose(fp);
    char *under = mem_xasprintf("%s/file/snapshots", tmpl);
    char *m3 = NULL, *j3 = NULL;
    assert_int_equal(snapshot_write(under, &f.d, &m3, &j3, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot make"));
    assert_null(m3);
    assert_int_equal(snapshot_write(NULL, &f.d, &m3, &j3, err, sizeof(err)), -1);
    for (size_t i = 0; i < 4; i++)
        unlink(files[i]);
    unlink(bad);
    rmdir(dir);
    rmdir(sub2);
    rmdir(sub);
    rmdir(tmpl);
    free(md);
    free(js);
    free(md2);
    free(js2);
    free(bad);
    free(under);
    free(sub);
    free(sub2);
    free(dir);
    fx_free(&f);
}

static void test_default_dir(void **state)
{
    (void)state;
    char *keep_x = getenv("XDG_STATE_HOME") ? mem_xstrdup(getenv("XDG_STATE_HOME")) : NULL;
    setenv("XDG_STATE_HOME", "/x/state", 1);
    char *d = snapshot_default_dir();
    assert_string_equal(d, "/x/state/elcui/snapshots");
    free(d);
    setenv("XDG_STATE_HOME", "relative", 1); /* not absolute: ignored, as the spec says */
    setenv("HOME", "/home/u", 1);
    d = snapshot_default_dir();
    assert_string_equal(d, "/home/u/.local/state/elcui/snapshots");
    free(d);
    if (keep_x)
        setenv("XDG_STATE_HOME", keep_x, 1);
    else
        unsetenv("XDG_STATE_HOME");
    free(keep_x);
    assert_string_equal(snapshot_section_name(SNAPSHOT_METRICS_SECTION), "metrics");
    assert_string_equal(snapshot_state_name(SNAPSHOT_SKIPPED), "skipped");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_write_modes),
        cmocka_unit_test(test_default_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
