/* SPDX-License-Identifier: Apache-2.0 */
/* One bounded walk of the rootfs serves every reader that finds packages
 * by name anywhere in the tree (language packages: a *.dist-info folder, a
 * node_modules/x/package.json).  The walk descends through directory fds
 * opened with O_NOFOLLOW from the rootfs fd, so a symlink is never followed
 * (a node_modules symlink loop is just a symlink), and never leaves the
 * root.  What it finds is sorted by path at the end, so that the inventory
 * (and the image identity made from it) doesn't depend on readdir order.
 *
 * Two halves.  The lister reads the folders, depth first, into a stream
 * of events: an entry (type, name), into the folder just named, out of
 * it, a cap's note (a folder not gone into), the end.  Folders are read
 * with getdents64 into one buffer per depth, not through DIR: fdopendir()
 * costs a fstat and two fcntl per folder.  Given threads (inventory_lister_new()), it lists
 * while the package databases are read, which the walk needs first (an
 * entry an OS package installed, inventory_own(), is offered to no reader:
 * it is that package's; a folder is still walked, for what others put in
 * it).  The walk then takes the events in order and offers each entry to
 * the readers, in the calling thread, exactly as one walk that did both
 * would: same order, same caps, same result.  A second lister thread lists
 * usr/share from the start, and the first puts a marker where it would
 * have descended into it: the walk takes the second's stream there.  A
 * reader that reads a file gets the entry's folder opened anew from the
 * root (never through a symlink); most entries need none.
 * A folder past the cap on depth (or on a path's length) is not gone into,
 * and the caps on entries visited and bytes read end the walk; each with a
 * note of what was not looked at, which the match reports as not checked;
 * the walk goes on beside a folder it did not go into. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"

/* Top-level folders that hold no installed packages, only kernel views. */
static const char *const skip_top[] = { "proc", "sys", "dev", NULL };

/* Bytes asked of getdents64 per call: what glibc's readdir asks. */
#define WALK_DIRENTS_BUF ((size_t) 32 * 1024)

/* The lister's stream goes in chunks; at most CHUNKS_AHEAD_MAX of them
 * wait for the walk (1 MiB), then the lister waits. */
#define CHUNK_SIZE ((size_t) 16 * 1024)
#define CHUNKS_AHEAD_MAX 64

enum event_kind {
        EVENT_ENTRY = 1,        /* type, name: every entry, a symlink too (the cap on entries counts them) */
        EVENT_IN,               /* into the folder just named (name again) */
        EVENT_OUT,
        EVENT_NOTE,             /* a cap's note: a folder not gone into */
        EVENT_END,
        EVENT_SPLICE,           /* the folder just named is the second lister's: its stream, then this one's */
};

/* The folder a second lister thread lists from the start, beside the first
 * (which skips it when it gets there): the largest of most distributions'
 * trees, a good half of the walk's folders in a Debian image. */
#define SPLIT_PARENT "usr"
#define SPLIT_NAME "share"
#define SPLIT_DEPTH 2           /* of SPLIT_PARENT's frame, the root's being 1 */

struct event_head {
        uint8_t kind;
        uint8_t type;           /* an entry's d_type; a note's errno (0: a cap) */
        uint16_t len;           /* of the text that follows, its NUL not counted */
};

struct chunk {
        struct chunk *next;
        size_t len;
        char data[CHUNK_SIZE];
};

struct frame {
        int fd;
        size_t pos, len;        /* the entries of bufs[depth] not yet listed */
        bool at_end;            /* they are the folder's last (dirent_ends()) */
        size_t path_len;        /* of path when this frame was pushed */
};

struct inventory_lister {
        pthread_mutex_t lock;
        pthread_cond_t cond;    /* the queue, started or cancelled changed */
        pthread_t thread;
        bool threaded;
        cpu_set_t cpus;         /* where it may run (taken before the seccomp filter), for place() */
        bool apart;             /* away from the walk's CPU even on two CPUs (inventory_lister_apart()) */
        int waker_cpu;          /* the CPU of the thread that started it, -1 unknown */
        /* under lock */
        bool alive, started, cancelled, finished;
        int error;              /* with finished: the lister's own failure (-ENOMEM) */
        struct chunk *head, *tail;
        size_t queued;
        struct chunk *spare;    /* taken by the walk, for the lister to fill again */
        /* the lister's own */
        int root_fd;
        struct chunk *fill;
        bool published;         /* a chunk went out: a lister without thread returns */
        struct frame stack[INVENTORY_WALK_DEPTH_MAX];
        char *bufs[INVENTORY_WALK_DEPTH_MAX];   /* getdents64's, one per depth, kept for the next folder */
        size_t depth;
        size_t floor;           /* the depth at which its listing ends: 0, or SPLIT_DEPTH for the second */
        char path[INVENTORY_WALK_PATH_MAX];     /* for the caps' notes */
        size_t path_len;
        int read_error;         /* next_entry()'s getdents64, for list_some()'s note */
        /* the second lister (SPLIT_PARENT/SPLIT_NAME), or NULL; on its side,
         * under its lock: opened once it tried, ino its folder's (0: none) */
        struct inventory_lister *second;
        bool opened;
        uint64_t ino;
        /* the walk's: the chunk being taken, and where */
        struct chunk *taken;
        size_t pos;
        /* inventory_lister_run()'s, under lock: the job, taken by the
         * thread once its listing ended or by the walk while it waits for
         * events, whichever comes first; its result once run */
        int (*job)(void *userdata);
        void *job_data;
        bool job_taken, job_done;
        int job_result;
};

struct inventory_walk {
        struct rootfs *root;
        struct inventory *inv;
        const struct inventory_reader *const *readers;
        struct inventory_lister *lister;
        struct inventory_lister *from;  /* whose events are being taken: lister, or its second */
        size_t entries;
        size_t bytes;
        uint64_t inflated;      /* by the readers of archives, in all */
        char path[INVENTORY_WALK_PATH_MAX];
        size_t path_len;
        size_t depth;           /* of path: 0 at the root */
        size_t path_lens[INVENTORY_WALK_DEPTH_MAX + 1];         /* of path at each depth */
        int fds[INVENTORY_WALK_DEPTH_MAX + 1];  /* the folders of path, once a reader asked, else -EBADF */
        char full[INVENTORY_WALK_PATH_MAX + 2]; /* "/" path "/" name ("/" name at the root), for owned() */
        size_t full_len;                /* of its "/" path "/" (set_prefix()) */
        struct owned_prefix prefix;     /* the owned set's hash of that */
        bool stopped;           /* a cap ended the walk */
};

/* Packages the walk found, in path order: the inventory (and the identity
 * made from it) must not depend on readdir order. */
static int package_cmp(const void *a, const void *b) {
        const struct package *x = a, *y = b;
        int c = strcmp(strempty(x->origin_file), strempty(y->origin_file));

        return c ? c : strcmp(strempty(x->name), strempty(y->name));
}

/* ---- the lister ---------------------------------------------------------------- */

/* Hands the filled chunk to the walk. */
static void publish(struct inventory_lister *l) {
        struct chunk *c = TAKE_PTR(l->fill);

        if (!c)
                return;
        pthread_mutex_lock(&l->lock);
        if (l->tail)
                l->tail->next = c;
        else
                l->head = c;
        l->tail = c;
        l->queued++;
        pthread_cond_broadcast(&l->cond);
        pthread_mutex_unlock(&l->lock);
        l->published = true;
}

static int emit(struct inventory_lister *l, enum event_kind kind, unsigned char type, const char *text) {
        size_t n = text ? strnlen(text, UINT16_MAX) : 0;
        struct event_head h = { .kind = kind, .type = type, .len = (uint16_t) n };

        if (sizeof(h) + n + 1 > CHUNK_SIZE)
                n = h.len = (uint16_t) (CHUNK_SIZE - sizeof(h) - 1);
        if (l->fill && l->fill->len + sizeof(h) + n + 1 > CHUNK_SIZE)
                publish(l);
        if (!l->fill) {
                pthread_mutex_lock(&l->lock);
                if ((l->fill = l->spare))
                        l->spare = l->spare->next;
                pthread_mutex_unlock(&l->lock);
                if (!l->fill && !(l->fill = malloc(sizeof(*l->fill))))
                        return -ENOMEM;
                l->fill->next = NULL;
                l->fill->len = 0;
        }
        memcpy(l->fill->data + l->fill->len, &h, sizeof(h));
        memcpy(l->fill->data + l->fill->len + sizeof(h), strempty(text), n);
        l->fill->data[l->fill->len + sizeof(h) + n] = '\0';
        l->fill->len += sizeof(h) + n + 1;
        return 0;
}

/* A cap, or errno e (0 for a cap), kept the listing out of a folder: its
 * note with e, which the walk keeps as not read (inventory_not_read_errno():
 * the node's when e is); the listing goes on beside it. */
_printf_(3, 4) static int list_note(struct inventory_lister *l, int e, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        return emit(l, EVENT_NOTE, e > 0 && e <= UINT8_MAX ? (unsigned char) e : 0, s);
}

/* Into the folder fd, named name in the one on top, unless its path is
 * longer than the walk follows (a note says so). */
static int list_push(struct inventory_lister *l, int fd, const char *name) {
        struct frame *f = &l->stack[l->depth];
        size_t n = strlen(name);

        if (l->path_len + 1 + n >= sizeof(l->path)) {
                close(fd);
                return list_note(l, 0, "%s/%s: a path longer than the walk follows (%d bytes); what is below it was "
                                 "not looked at", l->path, name, INVENTORY_WALK_PATH_MAX);
        }
        if (!l->bufs[l->depth] && !(l->bufs[l->depth] = malloc(WALK_DIRENTS_BUF))) {
                close(fd);
                return -ENOMEM;
        }
        *f = (struct frame) { .fd = fd, .path_len = l->path_len };
        if (l->depth > 0) {
                if (l->path_len > 0)
                        l->path[l->path_len++] = '/';
                memcpy(l->path + l->path_len, name, n + 1);
                l->path_len += n;
        }
        l->depth++;
        return l->depth > 1 ? emit(l, EVENT_IN, DT_DIR, name) : 0;
}

static int list_pop(struct inventory_lister *l) {
        struct frame *f = &l->stack[--l->depth];
        int r;

        l->path_len = f->path_len;
        l->path[l->path_len] = '\0';
        if (f->fd >= 0)
                close(f->fd);
        *f = (struct frame) { .fd = -EBADF };
        if (l->depth > 0 && (r = emit(l, EVENT_OUT, 0, NULL)) < 0)
                return r;
        return l->depth == l->floor ? emit(l, EVENT_END, 0, NULL) : 0;
}

static bool skipped_at_top(const struct inventory_lister *l, const char *name) {
        if (l->depth != 1)
                return false;
        for (const char *const *s = skip_top; *s; s++)
                if (strcmp(*s, name) == 0)
                        return true;
        return false;
}

/* Whether de, the last entry a getdents64 returned, is its folder's last:
 * its d_off, where reading would go on, is the largest position a file can
 * have, so nothing can follow.  ext4 with dir_index (its default) ends
 * every folder so, and overlayfs a folder of one layer on it; the final
 * getdents64, which would return nothing, is saved: one system call per
 * folder, a fifth of a miss's.  Any other d_off (tmpfs, xfs, overlayfs's
 * merged folders) still takes that final call: a short read says nothing
 * of the end on FUSE or NFS. */
static bool dirent_ends(const struct dirent64 *de) {
        return de->d_off == INT64_MAX;
}

/* The next entry of the folder on top of the stack, NULL at its end (or
 * when it can't be read: vanished, nothing to find there; any other error
 * is kept in l->read_error, for a note). */
static const struct dirent64 *next_entry(struct inventory_lister *l) {
        struct frame *f = &l->stack[l->depth - 1];
        char *buf = l->bufs[l->depth - 1];
        const struct dirent64 *de;
        ssize_t n;

        if (f->pos >= f->len) {
                if (f->at_end)
                        return NULL;
                do
                        n = getdents64(f->fd, buf, WALK_DIRENTS_BUF);
                while (n < 0 && errno == EINTR);
                if (n < 0 && errno != ENOENT)
                        l->read_error = errno;
                if (n <= 0)
                        return NULL;
                *f = (struct frame) { .fd = f->fd, .pos = 0, .len = (size_t) n, .path_len = f->path_len };
        }
        de = (const struct dirent64 *) (buf + f->pos);
        f->pos += de->d_reclen;
        if (f->pos >= f->len)
                f->at_end = dirent_ends(de);
        return de;
}

/* Whether the second lister lists this folder entry: it opened the same
 * folder (the inode the entry names), waited for.  Else it is told to
 * stop, and this lister lists the folder itself. */
static bool spliced(struct inventory_lister *l, const struct dirent64 *de) {
        struct inventory_lister *s = l->second;
        bool same;

        if (!s || l->depth != SPLIT_DEPTH || strcmp(l->path, SPLIT_PARENT) != 0 || strcmp(de->d_name, SPLIT_NAME) != 0)
                return false;
        pthread_mutex_lock(&s->lock);
        while (!s->opened)
                pthread_cond_wait(&s->cond, &s->lock);
        same = s->ino != 0 && s->ino == de->d_ino;
        if (!same)
                s->cancelled = true;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        return same;
}

/* One entry of the folder on top of the stack: listed, then descended
 * into when it is a folder.  The type comes from getdents; only a file
 * system that gives none costs a stat.  1 when the listing ended. */
static int list_entry(struct inventory_lister *l, const struct dirent64 *de) {
        struct frame *f = &l->stack[l->depth - 1];
        const char *name = de->d_name;
        unsigned char type = de->d_type;
        struct stat st;
        int r, fd;

        if (type == DT_UNKNOWN && fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : S_ISLNK(st.st_mode) ? DT_LNK
                                                                                                         : DT_UNKNOWN;
        if ((r = emit(l, EVENT_ENTRY, type, name)) < 0)
                return r;
        /* symlinks, devices, FIFOs, sockets: never followed */
        if (type != DT_DIR || skipped_at_top(l, name))
                return 0;
        if (l->depth >= INVENTORY_WALK_DEPTH_MAX)
                return list_note(l, 0, "%s: deeper than the walk descends (%d folders); what is below it was not "
                                 "looked at", l->path, INVENTORY_WALK_DEPTH_MAX);
        if (spliced(l, de))
                return emit(l, EVENT_SPLICE, 0, NULL);
        fd = openat(f->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        /* Gone since it was listed: nothing to find.  Any other failure
         * (EACCES for a user without CAP_DAC_READ_SEARCH) leaves what is
         * below unread, which is said, never passed as clean. */
        if (fd < 0 && errno != ENOENT)
                return list_note(l, errno, "%s%s%s: %s; what is below it was not looked at", l->path,
                                 l->path_len ? "/" : "", name, strerror(errno));
        if (fd < 0)
                return 0;
        return list_push(l, fd, name);
}

static void finish(struct inventory_lister *l, int r) {
        pthread_mutex_lock(&l->lock);
        l->finished = true;
        l->error = r;
        pthread_cond_broadcast(&l->cond);
        pthread_mutex_unlock(&l->lock);
}

/* Lists until a chunk went out; 1 when the listing ended (its last chunk
 * out), or -ENOMEM. */
static int list_some(struct inventory_lister *l) {
        int r;

        l->published = false;
        while (!l->published) {
                const struct dirent64 *de = next_entry(l);

                if (!de && l->read_error) {
                        /* what getdents64 gave before it failed was listed */
                        r = list_note(l, l->read_error, "%s: %s; what else it holds was not looked at",
                                      l->path_len ? l->path : ".", strerror(l->read_error));
                        l->read_error = 0;
                        if (r < 0)
                                return r;
                }
                if (!de)
                        r = list_pop(l) ?: l->depth == l->floor;
                else if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                else
                        r = list_entry(l, de);
                if (r != 0) {
                        if (r > 0)
                                publish(l);
                        return r;
                }
        }
        return 0;
}

/* The second lister's start: SPLIT_PARENT/SPLIT_NAME opened as the first
 * would open it (never through a symlink), its inode said; then listed as
 * if the first had descended into it. */
static int open_second(struct inventory_lister *l) {
        int parent = -EBADF, fd = -EBADF, r = 0;
        struct stat st;

        if (l->root_fd >= 0)
                parent = openat(l->root_fd, SPLIT_PARENT, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (parent >= 0)
                fd = openat(parent, SPLIT_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd >= 0 && fstat(fd, &st) < 0)
                closep(&fd);
        closep(&parent);
        closep(&l->root_fd);
        pthread_mutex_lock(&l->lock);
        l->opened = true;
        l->ino = fd >= 0 ? (uint64_t) st.st_ino : 0;
        pthread_cond_broadcast(&l->cond);
        pthread_mutex_unlock(&l->lock);
        if (fd < 0)
                return 1;
        /* the frames above it stand empty: its listing ends when it leaves them */
        l->depth = l->floor = SPLIT_DEPTH;
        for (size_t i = 0; i < SPLIT_DEPTH; i++)
                l->stack[i] = (struct frame) { .fd = -EBADF };
        l->path_len = strlen(SPLIT_PARENT);
        memcpy(l->path, SPLIT_PARENT, l->path_len + 1);
        r = list_push(l, fd, SPLIT_NAME);
        return r;
}

/* Where a lister runs.  Woken on the CPU of the thread that started it
 * (the walk's, which takes their streams), two listers often ran there
 * one after the other, or pushed that thread aside, while the other CPU
 * of two stayed idle for milliseconds: the kernel's balancing moves a
 * task that ran a moment ago only at its next tick.  So the second lister
 * goes to another CPU than the walk's; the first, on a machine of two
 * CPUs, stays beside the walk (away, it would share the second's), and on
 * more goes to another too.  A lister moves by leaving CPUs out of its affinity once,
 * then takes its whole set back: where it went, the kernel can still move
 * it from.  The scan of a Debian minbase rootfs on two CPUs: 15% less
 * wall with the 1,272 real Debian advisories, 6% with the 200,000-record
 * DB; the hook's miss the same (BENCHMARKS.md, "Session 37").
 * Apart (inventory_lister_apart(), the CLI's walk), the first goes away
 * too: there the walk's thread, with the most to do (the package
 * databases, the owned set, every entry offered to the readers: 1.65
 * times the CPU of either lister in a minbase scan, the lookups counted
 * to the lister that ran them), has nobody
 * beside it, and a CPU of its own made the scan against the 200,000-record
 * DB 1.15-1.4 ms (10%) shorter; in the hook, whose own process opens the
 * cache and waits for the image's lock meanwhile, the same made its miss
 * 0.6-1.0 ms longer (BENCHMARKS.md, "Session 49"). */
static void place(struct inventory_lister *l) {
        cpu_set_t to = l->cpus;
        bool beside = !l->apart && l->floor == 0 && CPU_COUNT(&l->cpus) == 2;
        int cpu;

        if (l->waker_cpu < 0 || CPU_COUNT(&l->cpus) < 2 || !CPU_ISSET(l->waker_cpu, &l->cpus))
                return;
        cpu = sched_getcpu();
        if (cpu < 0 || beside == (cpu == l->waker_cpu))
                return;         /* where it should be */
        if (beside) {
                CPU_ZERO(&to);
                CPU_SET(l->waker_cpu, &to);
        } else
                CPU_CLR(l->waker_cpu, &to);
        if (sched_setaffinity(0, sizeof(to), &to) == 0)
                (void) sched_setaffinity(0, sizeof(l->cpus), &l->cpus);
}

/* Runs the job of jobs here unless it is not there or was taken: true
 * when it ran.  held, when not NULL, is the lister whose lock the caller
 * holds (let go while the job runs). */
static bool job_take(struct inventory_lister *jobs, struct inventory_lister *held) {
        bool mine;
        int r;

        if (jobs != held)
                pthread_mutex_lock(&jobs->lock);
        mine = jobs->job && !jobs->job_taken;
        jobs->job_taken |= mine;
        if (jobs != held)
                pthread_mutex_unlock(&jobs->lock);
        if (!mine)
                return false;
        if (held)
                pthread_mutex_unlock(&held->lock);
        r = jobs->job(jobs->job_data);
        pthread_mutex_lock(&jobs->lock);
        jobs->job_done = true;
        jobs->job_result = r;
        pthread_cond_broadcast(&jobs->cond);
        pthread_mutex_unlock(&jobs->lock);
        if (held)
                pthread_mutex_lock(&held->lock);
        return true;
}

static void *lister_main(void *userdata) {
        struct inventory_lister *l = userdata;
        bool go;
        int r = 0;

        pthread_mutex_lock(&l->lock);
        l->alive = true;
        pthread_cond_broadcast(&l->cond);
        while (!l->started && !l->cancelled)
                pthread_cond_wait(&l->cond, &l->lock);
        pthread_mutex_unlock(&l->lock);
        place(l);
        if (l->floor > 0 && (r = open_second(l)) != 0) {
                finish(l, r < 0 ? r : 0);
                return NULL;
        }
        for (;;) {
                pthread_mutex_lock(&l->lock);
                while (l->queued >= CHUNKS_AHEAD_MAX && !l->cancelled)
                        pthread_cond_wait(&l->cond, &l->lock);
                go = !l->cancelled;
                pthread_mutex_unlock(&l->lock);
                if (!go || (r = list_some(l)) != 0)
                        break;
        }
        finish(l, r < 0 ? r : 0);
        /* idle: the caller's job, unless the walk took it */
        pthread_mutex_lock(&l->lock);
        while (!l->job && !l->cancelled)
                pthread_cond_wait(&l->cond, &l->lock);
        pthread_mutex_unlock(&l->lock);
        (void) job_take(l, NULL);
        return NULL;
}

static int lister_new(bool threaded, size_t floor, struct inventory_lister **ret) {
        struct inventory_lister *l = calloc(1, sizeof(*l));
        int r;

        if (!l)
                return -ENOMEM;
        pthread_mutex_init(&l->lock, NULL);
        pthread_cond_init(&l->cond, NULL);
        l->root_fd = -EBADF;
        l->floor = floor;
        l->waker_cpu = -1;
        if (threaded) {
                /* glibc's stack for it would be 8 MiB of the sandbox's
                 * address space; it needs little (its buffers are on the
                 * heap) */
                pthread_attr_t attr;

                /* its CPUs, for place(): a lister without thread is made
                 * (and the walk runs) after the seccomp filter, which has
                 * no sched_getaffinity */
                if (sched_getaffinity(0, sizeof(l->cpus), &l->cpus) < 0)
                        CPU_ZERO(&l->cpus);
                pthread_attr_init(&attr);
                pthread_attr_setstacksize(&attr, (size_t) 256 * 1024);
                r = -pthread_create(&l->thread, &attr, lister_main, l);
                pthread_attr_destroy(&attr);
                if (r < 0) {
                        inventory_lister_free(l);
                        return r;
                }
                l->threaded = true;
                /* past glibc's start of a thread (its rseq and robust-list
                 * syscalls) before the caller loads a seccomp filter */
                pthread_mutex_lock(&l->lock);
                while (!l->alive)
                        pthread_cond_wait(&l->cond, &l->lock);
                pthread_mutex_unlock(&l->lock);
        }
        *ret = l;
        return 0;
}

int inventory_lister_new(bool threaded, struct inventory_lister **ret) {
        struct inventory_lister *l = NULL;
        int r = lister_new(threaded, 0, &l);

        /* a second thread where there is a first; none is no error */
        if (r >= 0 && threaded && lister_new(true, SPLIT_DEPTH, &l->second) == -ENOMEM)
                r = -ENOMEM;
        if (r < 0) {
                inventory_lister_free(l);
                return r;
        }
        *ret = l;
        return 0;
}

void inventory_lister_apart(struct inventory_lister *l) {
        for (struct inventory_lister *x = l; x; x = x == l ? l->second : NULL) {
                pthread_mutex_lock(&x->lock);   /* read by its thread once started */
                x->apart = true;
                pthread_mutex_unlock(&x->lock);
        }
}

static void start(struct inventory_lister *l) {
        pthread_mutex_lock(&l->lock);
        l->waker_cpu = sched_getcpu();
        l->started = true;
        pthread_cond_broadcast(&l->cond);
        pthread_mutex_unlock(&l->lock);
}

int inventory_lister_go(struct inventory_lister *l, int root_fd) {
        struct inventory_lister *s = l->second;
        int r;

        /* the second's own fd of the root: the first closes its own when
         * done, maybe before the second looked */
        if (s && (s->root_fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0)
                s->root_fd = -EBADF;
        r = list_push(l, root_fd, "");
        if (r < 0)
                return r;
        if (s)
                start(s);
        start(l);
        return 0;
}

bool inventory_lister_run(struct inventory_lister *l, int (*job)(void *userdata), void *userdata) {
        if (!l || !l->threaded || l->job)
                return false;
        pthread_mutex_lock(&l->lock);
        l->job = job;
        l->job_data = userdata;
        pthread_cond_broadcast(&l->cond);
        pthread_mutex_unlock(&l->lock);
        return true;
}

int inventory_lister_job_wait(struct inventory_lister *l) {
        int r;

        (void) job_take(l, NULL);
        pthread_mutex_lock(&l->lock);
        while (!l->job_done)
                pthread_cond_wait(&l->cond, &l->lock);
        r = l->job_result;
        pthread_mutex_unlock(&l->lock);
        return r;
}

/* The walk ended (or a cap ended it): nothing more to list. */
static void cancel(struct inventory_lister *l) {
        pthread_mutex_lock(&l->lock);
        l->cancelled = true;
        pthread_cond_broadcast(&l->cond);
        pthread_mutex_unlock(&l->lock);
}

void inventory_lister_free(struct inventory_lister *l) {
        if (!l)
                return;
        cancel(l);
        if (l->threaded)
                pthread_join(l->thread, NULL);
        inventory_lister_free(l->second);
        free(l->taken);
        closep(&l->root_fd);
        for (struct chunk **q = &l->head; q; q = q == &l->head ? &l->spare : NULL)
                while (*q) {
                        struct chunk *c = *q;

                        *q = c->next;
                        free(c);
                }
        free(l->fill);
        for (size_t i = 0; i < l->depth; i++)
                if (l->stack[i].fd >= 0)
                        close(l->stack[i].fd);
        for (size_t i = 0; i < ELEMENTSOF(l->bufs); i++)
                free(l->bufs[i]);
        pthread_cond_destroy(&l->cond);
        pthread_mutex_destroy(&l->lock);
        free(l);
}

/* ---- the walk ------------------------------------------------------------------ */

/* The next event of a lister's stream: a thread's, waited for, else
 * listed now. */
static int next_event(struct inventory_lister *l, struct inventory_lister *jobs, struct event_head *ret,
                      const char **ret_text) {
        int r;

        while (!l->taken || l->pos >= l->taken->len) {
                l->pos = 0;
                pthread_mutex_lock(&l->lock);
                if (l->taken) {         /* back to the lister: fewer fresh pages to fault in */
                        l->taken->next = l->spare;
                        l->spare = TAKE_PTR(l->taken);
                }
                while (!l->head && !l->finished) {
                        if (l->threaded) {
                                if (!job_take(jobs, l))         /* the wait, put to use */
                                        pthread_cond_wait(&l->cond, &l->lock);
                                continue;
                        }
                        pthread_mutex_unlock(&l->lock);
                        r = list_some(l);
                        if (r != 0)
                                finish(l, r < 0 ? r : 0);
                        pthread_mutex_lock(&l->lock);
                }
                if (l->head) {
                        l->taken = l->head;
                        l->head = l->taken->next;
                        if (!l->head)
                                l->tail = NULL;
                        l->queued--;
                        pthread_cond_broadcast(&l->cond);
                }
                pthread_mutex_unlock(&l->lock);
                if (!l->taken)          /* finished without its end: out of memory */
                        return l->error < 0 ? l->error : -EPROTO;
        }
        memcpy(ret, l->taken->data + l->pos, sizeof(*ret));
        *ret_text = l->taken->data + l->pos + sizeof(*ret);
        l->pos += sizeof(*ret) + ret->len + 1;
        return 0;
}

/* A cap ended the walk: say once what was not looked at. */
_printf_(2, 3) static int stop(struct inventory_walk *w, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int n;

        if (w->stopped)
                return 0;
        w->stopped = true;
        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        return n < 0 ? -ENOMEM : inventory_not_read(w->inv, "%s", s);
}

/* full and its hash up to the folder's path, for owned(): once a folder,
 * not for each of its entries. */
static void set_prefix(struct inventory_walk *w) {
        w->full[0] = '/';
        w->full_len = 1;
        if (w->path_len > 0 && w->path_len + 2 < sizeof(w->full)) {
                memcpy(w->full + 1, w->path, w->path_len);
                w->full[w->path_len + 1] = '/';
                w->full_len = w->path_len + 2;
        }
        inventory_owned_prefix(w->inv, w->full, w->full_len, &w->prefix);
}

static int enter(struct inventory_walk *w, const char *name) {
        size_t n = strlen(name);

        if (w->depth + 1 >= ELEMENTSOF(w->fds) || w->path_len + 1 + n >= sizeof(w->path))
                return -EPROTO;         /* the lister holds both to the same caps */
        if (w->path_len > 0)
                w->path[w->path_len++] = '/';
        memcpy(w->path + w->path_len, name, n + 1);
        w->path_len += n;
        w->path_lens[++w->depth] = w->path_len;
        w->fds[w->depth] = -EBADF;
        set_prefix(w);
        return 0;
}

static int leave(struct inventory_walk *w) {
        if (w->depth == 0)
                return -EPROTO;
        if (w->fds[w->depth] >= 0)
                close(w->fds[w->depth]);
        w->path_len = w->path_lens[--w->depth];
        w->path[w->path_len] = '\0';
        set_prefix(w);
        return 0;
}

/* The folder at depth d opened from the one above it, as the lister did:
 * never through a symlink; the folders above first when not open yet. */
int inventory_walk_dirfd(const struct inventory_walk_entry *e) {
        struct inventory_walk *w = e->walk;
        size_t d = 0;

        if (w->fds[0] < 0)
                w->fds[0] = rootfs_openat(w->root, "/", O_RDONLY | O_DIRECTORY, NULL);
        while (d < w->depth && w->fds[d + 1] >= 0)
                d++;
        for (; d < w->depth && w->fds[d] >= 0; d++) {
                size_t start = w->path_lens[d] + (d > 0), n = w->path_lens[d + 1] - start;
                char name[NAME_MAX + 1];

                if (n > NAME_MAX)
                        return -ENAMETOOLONG;
                memcpy(name, w->path + start, n);
                name[n] = '\0';
                w->fds[d + 1] = openat(w->fds[d], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                if (w->fds[d + 1] < 0)
                        w->fds[d + 1] = -errno;
        }
        return w->fds[d];       /* the folder's, or the error of the first that could not be opened */
}

/* Whether an OS package installed name in the walk's folder. */
static bool owned(struct inventory_walk *w, const char *name) {
        size_t n = strlen(name);

        /* (a path too long for full is as long at the set: never owned) */
        if (!w->inv->owned || (w->path_len > 0 && w->full_len == 1) || w->full_len + n >= sizeof(w->full))
                return false;
        memcpy(w->full + w->full_len, name, n + 1);
        return inventory_owned_from(w->inv, &w->prefix, w->full, w->full_len + n);
}

#define WALK_DIGEST_CHUNK ((size_t) 64 * 1024)

/* The digest of name in the walk's folder (never through a symlink), MD5
 * or SHA-256 as algo says, its bytes counted against the walk's cap: its
 * length, -ENOENT when it is gone or no longer a regular file, -ECANCELED
 * at the cap (noted), or an error. */
static int digest(struct inventory_walk *w, const char *name, int algo, unsigned char ret[32], struct error *err) {
        const struct inventory_walk_entry e = { .walk = w, .name = name, .dir = w->path, .type = DT_REG };
        _cleanup_(inventory_walk_file_done) struct inventory_walk_file f = { .fd = -EBADF };
        _cleanup_free_ char *buf = malloc(WALK_DIGEST_CHUNK);
        struct sha256 sha;
        struct md5 md5;
        int r;

        if (!buf)
                return -ENOMEM;
        if ((r = inventory_walk_open(&e, &f, err)) < 0)
                return r;
        /* portable, as the analysis child may not load libcrypto */
        if (algo == INVENTORY_DIGEST_SHA256)
                sha256_portable_init(&sha);
        else
                md5_init(&md5);
        for (uint64_t off = 0; off < f.size; off += WALK_DIGEST_CHUNK) {
                size_t n = f.size - off < WALK_DIGEST_CHUNK ? (size_t) (f.size - off) : WALK_DIGEST_CHUNK;

                if ((r = inventory_walk_pread(&f, off, buf, n, err)) < 0)
                        return r;
                if (algo == INVENTORY_DIGEST_SHA256)
                        sha256_portable_update(&sha, buf, n);
                else
                        md5_update(&md5, buf, n);
        }
        if (algo == INVENTORY_DIGEST_SHA256) {
                sha256_portable_final(&sha, ret);
                return 32;
        }
        md5_final(&md5, ret);
        return 16;
}

/* Whether the regular file name, at a path an OS package installed, is
 * not what the package put there (inventory_own_digest(): a Java archive
 * that a user replaced in the image, `cp` over Debian's jar or over the
 * symlink of its unversioned name): then it is the image's own, read by
 * the readers like anyone's, and a warning says so.  0 (the package's, or
 * nothing recorded to check it against), 1, or an error. */
static int replaced(struct inventory_walk *w, const char *name, struct error *err) {
        const char *path = w->full;     /* owned()'s */
        const unsigned char *want = NULL;
        unsigned char got[32];
        int r, algo = 0;

        if (inventory_owned_digest(w->inv, path, &algo, &want) <= 0)
                return 0;
        if (want) {
                r = digest(w, name, algo, got, err);
                if (r == -ENOENT || r == -ECANCELED) {
                        error_clear(err);
                        return 0;
                }
                if (r < 0 && r != -ENOMEM) {
                        r = inventory_not_read_errno(w->inv, -r, "%s; a file of an OS package's, not checked "
                                                     "against what it installed", err->msg);
                        error_clear(err);
                        return r;
                }
                if (r < 0 || memcmp(got, want, (size_t) r) == 0)
                        return r < 0 ? r : 0;
        }
        r = inventory_warn(w->inv, "%s: not the file its OS package installed (%s); read as the image's own", path,
                           !want ? "the package installed no regular file there"
                           : algo == INVENTORY_DIGEST_SHA256 ? "its SHA-256 is not the one the package database lists"
                                                             : "its MD5 is not the one the package database lists");
        return r < 0 ? r : 1;
}

/* One entry, offered to every reader unless an OS package owns it. */
static int visit(struct inventory_walk *w, const char *name, unsigned char type, struct error *err) {
        struct inventory_walk_entry e = { .walk = w, .name = name, .dir = w->path, .type = type };
        int r;

        if (type != DT_DIR && type != DT_REG && type != DT_LNK)        /* counted, never offered */
                return 0;
        if (owned(w, name)) {
                r = type == DT_REG ? replaced(w, name, err) : 0;
                if (r <= 0) {
                        w->inv->owned_left += r == 0;   /* its OS package's (inventory_own()); a folder is still walked */
                        return r;
                }
        }
        for (const struct inventory_reader *const *rd = w->readers; *rd; rd++)
                if ((*rd)->visit && (r = (*rd)->visit(w->inv, &e, err)) < 0)
                        return r;
        return 0;
}

int inventory_walk(struct rootfs *root, struct inventory *inv, const struct inventory_reader *const *readers,
                   struct inventory_lister *l, struct error *err) {
        struct inventory_walk *w = calloc(1, sizeof(*w));
        size_t first = inv->n_pkgs;
        bool end = false;
        int r = 0;

        if (!w)
                return error_set(err, ENOMEM, "out of memory");
        *w = (struct inventory_walk) { .inv = inv, .readers = readers, .lister = l, .from = l, .root = root };
        w->fds[0] = -EBADF;
        set_prefix(w);
        while (r >= 0 && !end && !w->stopped) {
                struct event_head h;
                const char *text;

                if ((r = next_event(w->from, w->lister, &h, &text)) < 0)
                        break;
                switch (h.kind) {
                case EVENT_ENTRY:
                        if (++w->entries > INVENTORY_WALK_ENTRIES_TOTAL_MAX)
                                r = stop(w, "%s: the walk reached its cap on entries visited (%d); language "
                                         "packages after this point were not looked for", w->path,
                                         INVENTORY_WALK_ENTRIES_TOTAL_MAX);
                        else
                                r = visit(w, text, h.type, err);
                        break;
                case EVENT_IN:
                        r = enter(w, text);
                        break;
                case EVENT_OUT:
                        r = leave(w);
                        break;
                case EVENT_NOTE:
                        r = inventory_not_read_errno(w->inv, h.type, "%s", text);
                        break;
                case EVENT_SPLICE:      /* the second lister's stream, in its place */
                        if (w->from != l || !l->second)
                                r = -EPROTO;
                        else
                                w->from = l->second;
                        break;
                case EVENT_END:
                        if (w->from == l)
                                end = true;
                        else
                                w->from = l;
                        break;
                default:
                        r = -EPROTO;
                }
        }
        cancel(l);
        if (l->second)
                cancel(l->second);
        for (size_t d = 0; d <= w->depth; d++)
                if (w->fds[d] >= 0)
                        close(w->fds[d]);
        free(w);
        if (inv->n_pkgs - first > 1)
                qsort(inv->pkgs + first, inv->n_pkgs - first, sizeof(*inv->pkgs), package_cmp);
        if (r == -ENOMEM)
                return error_set(err, ENOMEM, "walk the rootfs: out of memory");
        if (r == -EPROTO && !err->msg[0])
                return error_set(err, EPROTO, "walk the rootfs: the folders' listing went wrong");
        return r < 0 ? r : 0;
}

/* Opens name in dir (a child of the walked folder) without following a
 * symlink: a regular file, else -ENOENT/-EBADFD. */
static int open_file(int dirfd, const char *dir, const char *name) {
        int dfd = dirfd, fd;

        if (dirfd < 0)
                return dirfd;
        if (dir) {
                dfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                if (dfd < 0)
                        return -errno;
        }
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                fd = -errno;
        if (dfd != dirfd)
                close(dfd);
        return fd;
}

static int read_opened(struct inventory_walk *w, int fd, const char *what, size_t max, bool prefix, char **ret,
                       size_t *ret_len, struct error *err);

int inventory_walk_read(const struct inventory_walk_entry *e, const char *subdir, const char *name, size_t max,
                        bool prefix, char **ret, size_t *ret_len, struct error *err) {
        _cleanup_free_ char *what = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (asprintf(&what, "/%s%s%s%s%s", e->dir, *e->dir ? "/" : "", subdir ? subdir : "", subdir ? "/" : "",
                     name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        fd = open_file(inventory_walk_dirfd(e), subdir, name);
        if (fd < 0)
                return fd == -ENOENT ? -ENOENT : error_set_errno(err, -fd, "open %s", what);
        return read_opened(e->walk, fd, what, max, prefix, ret, ret_len, err);
}

/* "/" the entry's path in the rootfs, and "/" rel below it unless NULL. */
static char *entry_path(const struct inventory_walk_entry *e, const char *rel) {
        char *s = NULL;

        return asprintf(&s, "/%s%s%s%s%s", e->dir, *e->dir ? "/" : "", e->name, rel ? "/" : "", strempty(rel)) < 0
                       ? NULL : s;
}

int inventory_walk_read_in_root(const struct inventory_walk_entry *e, const char *rel, size_t max, char **ret,
                                size_t *ret_len, struct error *err) {
        _cleanup_free_ char *what = entry_path(e, rel);
        _cleanup_close_ int fd = -EBADF;
        struct error ignored = {};

        if (!what)
                return error_set(err, ENOMEM, "out of memory");
        fd = rootfs_openat(e->walk->root, what, O_RDONLY | O_NONBLOCK | O_NOCTTY, &ignored);
        if (fd < 0)
                return fd == -ENOENT ? -ENOENT : error_set_errno(err, -fd, "open %s", what);
        return read_opened(e->walk, fd, what, max, false, ret, ret_len, err);
}

int inventory_walk_list_in_root(const struct inventory_walk_entry *e, const char *rel, size_t max, char ***ret,
                                struct error *err) {
        struct inventory_walk *w = e->walk;
        _cleanup_free_ char *path = entry_path(e, rel);
        int r;

        if (!path)
                return error_set(err, ENOMEM, "out of memory");
        if (w->entries >= INVENTORY_WALK_ENTRIES_TOTAL_MAX)
                return -ENOENT;
        if ((r = rootfs_list_dir(w->root, path, max, ret, err)) < 0)
                return r;
        /* what is listed through a symlink counts as visited */
        w->entries += strv_length(*ret);
        if (w->entries > INVENTORY_WALK_ENTRIES_TOTAL_MAX) {
                (void) stop(w, "%s: the walk reached its cap on entries visited (%d); language packages after this "
                            "point were not looked for", path + 1, INVENTORY_WALK_ENTRIES_TOTAL_MAX);
                strv_free(*ret);
                *ret = NULL;
                return -ENOENT;
        }
        return 0;
}

/* A regular file opened for a reader: read whole (at most max) or its
 * first max bytes, counted against the walk's byte cap. */
static int read_opened(struct inventory_walk *w, int fd, const char *what, size_t max, bool prefix, char **ret,
                       size_t *ret_len, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;
        ssize_t n;

        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat %s", what);
        if (!S_ISREG(st.st_mode))
                return error_set(err, EBADFD, "%s is not a regular file", what);
        if (w->bytes >= INVENTORY_WALK_BYTES_MAX) {
                (void) stop(w, "%s: the walk reached its cap on bytes read (%zu MiB); language packages after "
                            "this point were not looked for", what, INVENTORY_WALK_BYTES_MAX >> 20);
                return -ENOENT;
        }
        if (!prefix) {
                int r = read_full_fd(fd, max, what, ret, ret_len, err);

                if (r < 0)
                        return r;
                w->bytes += *ret_len;
                return 0;
        }
        /* Only the head is wanted (METADATA's headers): read up to max. */
        buf = malloc(max + 1);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        while (len < max && (n = read(fd, buf + len, max - len)) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read %s", what);
                len += (size_t) n;
        }
        buf[len] = '\0';
        w->bytes += len;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

uint64_t *inventory_walk_inflated(const struct inventory_walk_entry *e) {
        return &e->walk->inflated;
}

int inventory_walk_read_or_warn(struct inventory *inv, const struct inventory_walk_entry *e, const char *subdir,
                                const char *name, size_t max, bool prefix, char **ret, size_t *ret_len,
                                struct error *err) {
        int r = inventory_walk_read(e, subdir, name, max, prefix, ret, ret_len, err);

        if (r == -ENOENT)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = inventory_not_read_errno(inv, -r, "%s; skipped", err->msg);
                error_clear(err);
                return r;
        }
        return 1;
}

int inventory_walk_parse(struct inventory *inv, const struct inventory_walk_entry *e, const char *subdir,
                         const char *name, size_t max, bool prefix,
                         int (*parse)(const char *buf, size_t len, const char *origin, struct inventory *inv),
                         struct error *err) {
        _cleanup_free_ char *buf = NULL, *origin = NULL;
        size_t len = 0;
        int r;

        if (asprintf(&origin, "/%s%s%s%s%s", e->dir, *e->dir ? "/" : "", subdir ? subdir : "", subdir ? "/" : "",
                     name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        r = inventory_walk_read_or_warn(inv, e, subdir, name, max, prefix, &buf, &len, err);
        if (r <= 0)
                return r;
        r = parse(buf, len, origin, inv);
        if (r == -ENOMEM || r == -E2BIG)
                return error_set(err, -r, "%s: %s", origin, r == -E2BIG ? INVENTORY_TOO_MANY : "out of memory");
        return r < 0 ? r : 0;
}

int inventory_walk_open(const struct inventory_walk_entry *e, struct inventory_walk_file *ret, struct error *err) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (asprintf(&path, "/%s%s%s", e->dir, *e->dir ? "/" : "", e->name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        fd = open_file(inventory_walk_dirfd(e), NULL, e->name);
        if (fd < 0)
                return fd == -ENOENT || fd == -ELOOP ? -ENOENT : error_set_errno(err, -fd, "open %s", path);
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat %s", path);
        if (!S_ISREG(st.st_mode))
                return -ENOENT;         /* replaced since the walk saw it */
        *ret = (struct inventory_walk_file) { .walk = e->walk, .fd = TAKE_FD(fd), .size = (uint64_t) st.st_size,
                                              .path = TAKE_PTR(path) };
        return 0;
}

int inventory_walk_pread(struct inventory_walk_file *f, uint64_t offset, void *buf, size_t n, struct error *err) {
        struct inventory_walk *w = f->walk;
        size_t got = 0;
        ssize_t k;

        if (offset > f->size || n > f->size - offset)
                return error_set(err, EFBIG, "%s: %zu bytes at offset %llu are past its end (%llu bytes)", f->path,
                                 n, (unsigned long long) offset, (unsigned long long) f->size);
        /* w->bytes can pass the cap by the last whole file read */
        if (w->bytes >= INVENTORY_WALK_BYTES_MAX || n > INVENTORY_WALK_BYTES_MAX - w->bytes) {
                (void) stop(w, "%s: the walk reached its cap on bytes read (%zu MiB); language packages after "
                            "this point were not looked for", f->path, INVENTORY_WALK_BYTES_MAX >> 20);
                return -ECANCELED;
        }
        while (got < n) {
                k = pread(f->fd, (char *) buf + got, n - got, (off_t) (offset + got));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return error_set_errno(err, errno, "read %s", f->path);
                if (k == 0)
                        return error_set(err, EIO, "read %s: the file shrank while it was read", f->path);
                got += (size_t) k;
        }
        w->bytes += n;
        return 0;
}

void inventory_walk_file_done(struct inventory_walk_file *f) {
        if (f->fd >= 0)
                close(f->fd);
        free(f->path);
        *f = (struct inventory_walk_file) { .fd = -EBADF };
}
