/* SPDX-License-Identifier: Apache-2.0 */
/* lib/running.c without a runtime: the state files of runc and crun parsed
 * (table), and a state folder laid out as runc, crun and containerd's
 * namespaces lay it out, whose "containers" are this test process (alive,
 * its own start time), a start time that is not its own (a reused pid) and
 * a pid that is gone.  tests/ps.sh runs the whole with real runc. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strutil.h"
#include "policy.h"
#include "running.h"
#include "test.h"
#include "vulndb.h"

static const struct {
        const char *format, *json;
        int ok;
        int pid;
        unsigned long long start;
        const char *bundle, *rootfs;
} rows[] = {
        { "runc", "{\"id\":\"a\",\"init_process_pid\":12,\"init_process_start\":345,\"config\":{\"rootfs\":\"/r\","
                  "\"labels\":[\"k=v\",\"bundle=/b\"]}}", 1, 12, 345, "/b", "/r" },
        { "runc", "{\"init_process_pid\":12}", 1, 12, 0, NULL, NULL },
        { "crun", "{\"pid\":7,\"process-start-time\":99,\"bundle\":\"/b\",\"rootfs\":\"/r\"}", 1, 7, 99, "/b", "/r" },
        { "crun", "{\"init_process_pid\":12}", 0, 0, 0, NULL, NULL },        /* runc's key: no pid for crun */
        { "runc", "{\"init_process_pid\":\"12\"}", 0, 0, 0, NULL, NULL },
        { "runc", "{\"init_process_pid\":0}", 0, 0, 0, NULL, NULL },
        { "runc", "{\"init_process_pid\":3,\"config\":{\"labels\":[1]}}", 0, 0, 0, NULL, NULL },
        { "runc", "{\"init_process_pid\":3,\"init_process_pid\":4}", 0, 0, 0, NULL, NULL },
        { "crun", "[]", 0, 0, 0, NULL, NULL },
        { "crun", "{\"pid\":", 0, 0, 0, NULL, NULL },
};

static void test_parse(void) {
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                struct running_state s = {};
                struct error err = {};
                int r = running_state_parse(rows[i].json, strlen(rows[i].json), "t", rows[i].format, &s, &err);

                CHECK_MSG((r >= 0) == rows[i].ok, "row %zu: %d %s", i, r, err.msg);
                if (r < 0) {
                        CHECK_MSG(err.msg[0] && !s.bundle, "row %zu", i);
                        continue;
                }
                CHECK_MSG(s.pid == rows[i].pid && s.start_time == rows[i].start, "row %zu: %d %llu", i, s.pid,
                          s.start_time);
                CHECK_MSG(streq_ptr(s.bundle, rows[i].bundle) && streq_ptr(s.rootfs, rows[i].rootfs), "row %zu", i);
                running_state_done(&s);
        }
}

/* proc(5) field 22 of this process. */
static unsigned long long own_start(void) {
        char buf[4096], *p;
        unsigned long long t = 0;
        FILE *f = fopen("/proc/self/stat", "r");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

        if (f)
                fclose(f);
        buf[n] = '\0';
        p = strrchr(buf, ')');
        for (int field = 2; field < 22 && p; field++)
                p = strchr(p + 1, ' ');
        if (p)
                (void) sscanf(p + 1, "%llu", &t);
        return t;
}

static void runc_state(const char *dir, int pid, unsigned long long start, const char *labels) {
        char text[1024];

        snprintf(text, sizeof(text), "{\"id\":\"x\",\"init_process_pid\":%d,\"init_process_start\":%llu,"
                 "\"config\":{\"rootfs\":\"%s\",\"labels\":[%s]}}", pid, start, test_path(test_tmpdir(), "rootfs"),
                 labels);
        test_write_file(test_path(dir, "state.json"), text);
}

static const struct running_container *find(const struct running_list *l, const char *id) {
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->v[i].id, id) == 0)
                        return &l->v[i];
        return NULL;
}

static void test_list(void) {
        const char *tmp = test_tmpdir(), *src = getenv("PC_SOURCE_ROOT");
        const char *root = test_path(tmp, "state"), *db = test_path(tmp, "db.sqlite");
        char *feed[2] = { NULL, NULL };
        char crun[256], digest_label[256];
        char *roots[] = { (char *) root, (char *) test_path(tmp, "absent"), NULL };
        _cleanup_(policy_freep) struct policy *p = NULL;
        const struct running_container *c;
        struct running_list l = {};
        struct error err = {};
        pid_t gone = fork();

        if (gone == 0)
                _exit(0);
        (void) waitpid(gone, NULL, 0);
        if (!src) {
                fprintf(stderr, "skip the listing: PC_SOURCE_ROOT not set\n");
                return;
        }
        feed[0] = (char *) test_path(src, "feed");
        CHECK_MSG(vulndb_import(db, feed, 0, NULL, NULL, &(struct vulndb_import_stats) {}, &err) >= 0, "%s", err.msg);
        CHECK(policy_default(&p) >= 0);
        test_write_file(test_path(tmp, "rootfs/etc/os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
        snprintf(digest_label, sizeof(digest_label), "\"io.kubernetes.cri.image-name=docker.io/x@sha256:%064d\"", 0);
        runc_state(test_path(root, "alive"), getpid(), own_start(), digest_label);
        runc_state(test_path(root, "reused"), getpid(), own_start() + 1, "");
        runc_state(test_path(root, "gone"), gone, 0, "");
        runc_state(test_path(root, "k8s.io/pod1"), getpid(), own_start(),
                   "\"io.kubernetes.pod.namespace=prod\",\"io.kubernetes.cri.image-name=docker.io/y:1\"");
        snprintf(crun, sizeof(crun), "{\"pid\":%d,\"process-start-time\":%llu,\"rootfs\":\"/nonexistent\"}", getpid(),
                 own_start());
        test_write_file(test_path(root, "viacrun/status"), crun);

        CHECK_MSG(running_list(&(struct running_options) { .state_roots = roots, .cache = test_path(tmp, "cache.db"),
                                                           .db = db, .policy = p, .trust_image_digest = true,
                                                           .no_inventory = true },
                               &l, &err) >= 0, "%s", err.msg);
        CHECK_MSG(l.n == 3, "%zu containers", l.n);
        CHECK(!find(&l, "reused") && !find(&l, "gone"));
        CHECK((c = find(&l, "alive")) && streq_ptr(c->identity_source, "digest") && !c->cached && !c->judged &&
              strcmp(c->identity, "sha256:0000000000000000000000000000000000000000000000000000000000000000") == 0);
        CHECK((c = find(&l, "pod1")) && streq_ptr(c->containerd_namespace, "k8s.io") &&
              streq_ptr(c->namespace, "prod") && streq_ptr(c->image, "docker.io/y:1") && !c->identity &&
              c->identity_note && strstr(c->key, "/k8s.io/pod1@"));
        CHECK((c = find(&l, "viacrun")) && streq_ptr(c->runtime, "crun") && !c->identity);
        CHECK(running_now_violating(&l) == 0 && l.db_revision && !l.warnings);
        running_list_done(&l);
}

int main(void) {
        test_parse();
        test_list();
        return test_end();
}
