/* linkem.c — a link emulator for tests: a "wire" between two network namespaces made
 * of two TUN devices (IFF_TUN|IFF_NO_PI, one in each namespace) whose fds this one
 * process holds. Every IP packet read from one side is written to the other after
 * delay_ms (+ a random 0..jitter_ms, never reordering a direction), dropped with
 * probability loss_pct (independently per direction and packet), dropped while the wire
 * is cut, and dropped (counted) when a direction's queue is full; with rate_kbit, a
 * direction sends one packet after another at that rate (a slow mobile link). The
 * kernel here has no sch_netem: this is what makes real TCP see real delay and loss
 * (decision 0039).
 * It does not route, fragment or look inside packets; tests/lib/netlab.sh sets the
 * addresses and routes.
 *
 *   linkem run --ctl SOCK --dev-a NAME [--ns-a NSFILE] --dev-b NAME [--ns-b NSFILE]
 *              [--delay-ms N] [--jitter-ms N] [--loss-pct P] [--rate-kbit N] [--queue-packets N]
 *              [--queue-bytes N] [--seed N] [--watch-pid PID]
 *   linkem ctl SOCK set [a2b|b2a] [delay_ms=N] [jitter_ms=N] [loss_pct=P] [rate_kbit=N] [queue_packets=N] [queue_bytes=N]
 *   linkem ctl SOCK cut [a2b|b2a] | heal [a2b|b2a] | get | stats | reset
 *
 * run creates each device in the namespace of NSFILE (/run/netns/NAME; none: ours),
 * then listens on the Unix socket SOCK (created last: its existence means ready).
 * SIGUSR1 cuts and SIGUSR2 heals too; SIGTERM/SIGINT end it (the devices vanish with
 * the fds), and so does the end of process PID (--watch-pid: the test that made it).
 * a2b is from --dev-a's side to --dev-b's; without a direction a command applies to
 * both. ctl sends one line and prints the answer: "ok a2b_delay_ms=N ...
 * a2b_cut=0|1 b2a_delay_ms=N ... b2a_cut=0|1" (exit 0) or "error: ..." (exit 1); stats
 * adds key=value lines, one per counter. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LINKEM_MAX_PACKET 65536
#define LINKEM_MAX_DELAY_MS 600000      /* ten minutes: anything longer is a typo */
#define LINKEM_LINE_MAX 512

typedef struct packet {
    struct packet *next;
    uint64_t release_us;
    size_t len;
    unsigned char data[];
} packet_t;

typedef struct counters {
    uint64_t in_packets, in_bytes;
    uint64_t out_packets, out_bytes;
    uint64_t lost;          /* dropped by loss_pct */
    uint64_t cut;           /* dropped because the wire was cut (arriving or queued) */
    uint64_t queue_full;    /* dropped at the tail: queue_packets or queue_bytes reached */
    uint64_t write_errors;  /* the other side's TUN refused the packet */
    uint64_t queue_peak_packets, queue_peak_bytes;
} counters_t;

/* What a direction does to its packets (both directions alike unless told apart). */
typedef struct settings {
    long delay_ms, jitter_ms;
    double loss_pct;
    long rate_kbit;         /* 0: no limit; else packets leave one after another at this rate */
    long queue_packets;
    long queue_bytes;
    int cut;
} settings_t;

/* One direction: packets read from `from` wait here to be written to `to`. */
typedef struct direction {
    const char *name;       /* "a2b" or "b2a" */
    int from, to;
    settings_t s;
    packet_t *head, *tail;
    size_t queued_packets, queued_bytes;
    uint64_t last_release_us; /* release times never decrease: jitter keeps order */
    uint64_t busy_until_us;   /* rate_kbit: when the link has sent the packets before */
    counters_t c;
} direction_t;


typedef struct linkem {
    uint64_t rng;
    direction_t dir[2];
    int ctl_fd;
    const char *ctl_path;
} linkem_t;

static volatile sig_atomic_t g_stop, g_cut_signal, g_heal_signal;

static void on_stop(int sig) { (void)sig; g_stop = 1; }
static void on_usr1(int sig) { (void)sig; g_cut_signal = 1; }
static void on_usr2(int sig) { (void)sig; g_heal_signal = 1; }

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("linkem: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* xorshift64*: reproducible with --seed, good enough to drop packets. */
static uint64_t rng_next(linkem_t *self) {
    uint64_t x = self->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    self->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* A uniform double in [0, 1). */
static double rng_unit(linkem_t *self) { return (double)(rng_next(self) >> 11) / 9007199254740992.0; }

/* Parse a whole decimal number in [min, max]; -1 with a message in err otherwise. */
static int parse_long(const char *text, long min, long max, long *out, char *err, size_t errlen,
                      const char *what) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        snprintf(err, errlen, "%s must be a whole number from %ld to %ld, not '%s'", what, min, max, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_pct(const char *text, double *out, char *err, size_t errlen) {
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= 0.0 && v <= 100.0)) {
        snprintf(err, errlen, "loss_pct must be a number from 0 to 100, not '%s'", text);
        return -1;
    }
    *out = v;
    return 0;
}

/* Apply one "key=value" to S; -1 and a message naming the key when it is bad. */
static int settings_apply(settings_t *s, const char *kv, char *err, size_t errlen) {
    const char *eq = strchr(kv, '=');
    if (!eq) {
        snprintf(err, errlen, "expected key=value, got '%s' (keys: delay_ms jitter_ms loss_pct rate_kbit queue_packets queue_bytes)", kv);
        return -1;
    }
    size_t klen = (size_t)(eq - kv);
    const char *v = eq + 1;
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(kv, k, klen) == 0)
    if (KEY("delay_ms")) return parse_long(v, 0, LINKEM_MAX_DELAY_MS, &s->delay_ms, err, errlen, "delay_ms");
    if (KEY("jitter_ms")) return parse_long(v, 0, LINKEM_MAX_DELAY_MS, &s->jitter_ms, err, errlen, "jitter_ms");
    if (KEY("loss_pct")) return parse_pct(v, &s->loss_pct, err, errlen);
    if (KEY("rate_kbit")) return parse_long(v, 0, 100000000, &s->rate_kbit, err, errlen, "rate_kbit");
    if (KEY("queue_packets")) return parse_long(v, 1, 10000000, &s->queue_packets, err, errlen, "queue_packets");
    if (KEY("queue_bytes")) return parse_long(v, LINKEM_MAX_PACKET, 1L << 30, &s->queue_bytes, err, errlen, "queue_bytes");
#undef KEY
    snprintf(err, errlen, "unknown key '%.*s' (keys: delay_ms jitter_ms loss_pct rate_kbit queue_packets queue_bytes)", (int)klen, kv);
    return -1;
}

/* Create TUN device NAME in the namespace of NSFILE (NULL or "": the current one). */
static int tun_open(const char *name, const char *nsfile) {
    int home = -1, target = -1;
    if (nsfile && *nsfile) {
        home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (home < 0) die("cannot open /proc/self/ns/net: %s", strerror(errno));
        target = open(nsfile, O_RDONLY | O_CLOEXEC);
        if (target < 0) die("cannot open namespace %s: %s", nsfile, strerror(errno));
        if (setns(target, CLONE_NEWNET) < 0) die("cannot enter namespace %s: %s", nsfile, strerror(errno));
    }
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) die("cannot open /dev/net/tun: %s", strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (strlen(name) >= IFNAMSIZ) die("device name '%s' is longer than %d characters", name, IFNAMSIZ - 1);
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        die("cannot create TUN device %s%s%s: %s", name, nsfile && *nsfile ? " in " : "",
            nsfile && *nsfile ? nsfile : "", strerror(errno));
    if (home >= 0) {
        if (setns(home, CLONE_NEWNET) < 0) die("cannot return to our namespace: %s", strerror(errno));
        close(home);
        close(target);
    }
    return fd;
}

static void queue_drop_all(direction_t *d) {
    while (d->head) {
        packet_t *p = d->head;
        d->head = p->next;
        d->c.cut++;
        free(p);
    }
    d->tail = NULL;
    d->queued_packets = d->queued_bytes = 0;
    d->last_release_us = d->busy_until_us = 0; /* nothing left to wait behind */
}

/* Cut (or heal) direction D; a cable cut loses what was on it too. */
static void set_cut(direction_t *d, int cut) {
    if (cut && !d->s.cut) queue_drop_all(d);
    d->s.cut = cut;
}

/* Decide the fate of one packet read on direction D's side. */
static void admit(linkem_t *self, direction_t *d, const unsigned char *buf, size_t len, uint64_t now) {
    d->c.in_packets++;
    d->c.in_bytes += len;
    const settings_t *s = &d->s;
    if (s->cut) {
        d->c.cut++;
        return;
    }
    if (s->loss_pct > 0.0 && rng_unit(self) * 100.0 < s->loss_pct) {
        d->c.lost++;
        return;
    }
    if (d->queued_packets + 1 > (size_t)s->queue_packets ||
        d->queued_bytes + len > (size_t)s->queue_bytes) {
        d->c.queue_full++;
        return;
    }
    packet_t *p = malloc(sizeof *p + len);
    if (!p) {
        d->c.queue_full++;
        return;
    }
    /* A rate limit sends packets one after the other: this one starts when the link is
     * free and takes len * 8 / rate; then it travels delay_ms (+ jitter). */
    uint64_t start = now;
    if (s->rate_kbit > 0) {
        if (d->busy_until_us > start) start = d->busy_until_us;
        start += (uint64_t)len * 8000u / (uint64_t)s->rate_kbit;
        d->busy_until_us = start;
    }
    uint64_t release = start + (uint64_t)s->delay_ms * 1000u;
    if (s->jitter_ms > 0)
        release += rng_next(self) % ((uint64_t)s->jitter_ms * 1000u + 1u);
    if (release < d->last_release_us) release = d->last_release_us;
    d->last_release_us = release;
    p->next = NULL;
    p->release_us = release;
    p->len = len;
    memcpy(p->data, buf, len);
    if (d->tail) d->tail->next = p;
    else d->head = p;
    d->tail = p;
    d->queued_packets++;
    d->queued_bytes += len;
    if (d->queued_packets > d->c.queue_peak_packets) d->c.queue_peak_packets = d->queued_packets;
    if (d->queued_bytes > d->c.queue_peak_bytes) d->c.queue_peak_bytes = d->queued_bytes;
}

/* Write every packet of D whose time has come. */
static void release_due(direction_t *d, uint64_t now) {
    while (d->head && d->head->release_us <= now) {
        packet_t *p = d->head;
        d->head = p->next;
        if (!d->head) d->tail = NULL;
        d->queued_packets--;
        d->queued_bytes -= p->len;
        ssize_t n = write(d->to, p->data, p->len);
        if (n == (ssize_t)p->len) {
            d->c.out_packets++;
            d->c.out_bytes += p->len;
        } else {
            d->c.write_errors++;
        }
        free(p);
    }
}

/* Read everything waiting on D's side (bounded per call so the other side gets a turn). */
static void read_side(linkem_t *self, direction_t *d) {
    static unsigned char buf[LINKEM_MAX_PACKET];
    for (int i = 0; i < 256; i++) {
        ssize_t n = read(d->from, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return; /* EAGAIN, or the device went down: nothing to relay */
        }
        if (n == 0) return;
        admit(self, d, buf, (size_t)n, now_us());
    }
}

static size_t append(char *out, size_t cap, size_t used, const char *fmt, ...) {
    if (used >= cap) return used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + used, cap - used, fmt, ap);
    va_end(ap);
    if (n < 0) return used;
    return used + (size_t)n < cap ? used + (size_t)n : cap;
}

static size_t describe_settings(const linkem_t *self, char *out, size_t cap, size_t used) {
    for (int i = 0; i < 2; i++) {
        const direction_t *d = &self->dir[i];
        const settings_t *s = &d->s;
        used = append(out, cap, used,
                      "%s%s_delay_ms=%ld %s_jitter_ms=%ld %s_loss_pct=%g %s_rate_kbit=%ld %s_queue_packets=%ld %s_queue_bytes=%ld %s_cut=%d",
                      i ? " " : "", d->name, s->delay_ms, d->name, s->jitter_ms, d->name, s->loss_pct, d->name, s->rate_kbit, d->name,
                      s->queue_packets, d->name, s->queue_bytes, d->name, s->cut);
    }
    return used;
}

static size_t describe_stats(const linkem_t *self, char *out, size_t cap, size_t used) {
    for (int i = 0; i < 2; i++) {
        const direction_t *d = &self->dir[i];
        const counters_t *c = &d->c;
        used = append(out, cap, used,
                      "%s_in_packets=%" PRIu64 "\n%s_in_bytes=%" PRIu64 "\n%s_out_packets=%" PRIu64
                      "\n%s_out_bytes=%" PRIu64 "\n%s_lost=%" PRIu64 "\n%s_cut=%" PRIu64
                      "\n%s_queue_full=%" PRIu64 "\n%s_write_errors=%" PRIu64
                      "\n%s_queued_packets=%zu\n%s_queued_bytes=%zu\n%s_queue_peak_packets=%" PRIu64
                      "\n%s_queue_peak_bytes=%" PRIu64 "\n",
                      d->name, c->in_packets, d->name, c->in_bytes, d->name, c->out_packets, d->name,
                      c->out_bytes, d->name, c->lost, d->name, c->cut, d->name, c->queue_full, d->name,
                      c->write_errors, d->name, d->queued_packets, d->name, d->queued_bytes, d->name,
                      c->queue_peak_packets, d->name, c->queue_peak_bytes);
    }
    return used;
}

/* The directions an optional "a2b" / "b2a" word names (both when absent): a mask, and
 * the word consumed from *TOKEN (set to the next one). */
static int pick_directions(char **token, char **save) {
    if (*token && strcmp(*token, "a2b") == 0) {
        *token = strtok_r(NULL, " \t\r\n", save);
        return 1;
    }
    if (*token && strcmp(*token, "b2a") == 0) {
        *token = strtok_r(NULL, " \t\r\n", save);
        return 2;
    }
    return 3;
}

/* Execute one control line; write the answer (ending in '\n') into OUT. Commands:
 * set [a2b|b2a] key=value..., cut [a2b|b2a], heal [a2b|b2a], get, stats, reset. */
static void control(linkem_t *self, char *line, char *out, size_t cap) {
    static const char commands[] = "set [a2b|b2a] key=value..., cut [a2b|b2a], heal [a2b|b2a], get, stats, reset";
    char err[256];
    char *save = NULL;
    char *cmd = strtok_r(line, " \t\r\n", &save);
    size_t used = 0;
    if (!cmd) {
        snprintf(out, cap, "error: empty command (%s)\n", commands);
        return;
    }
    char *arg = strtok_r(NULL, " \t\r\n", &save);
    if (strcmp(cmd, "set") == 0) {
        int mask = pick_directions(&arg, &save);
        settings_t s[2] = {self->dir[0].s, self->dir[1].s};
        if (!arg) {
            snprintf(out, cap, "error: set needs key=value (delay_ms jitter_ms loss_pct rate_kbit queue_packets queue_bytes)\n");
            return;
        }
        for (; arg; arg = strtok_r(NULL, " \t\r\n", &save))
            for (int i = 0; i < 2; i++)
                if ((mask & (1 << i)) && settings_apply(&s[i], arg, err, sizeof err) < 0) {
                    snprintf(out, cap, "error: %s\n", err);
                    return;
                }
        self->dir[0].s = s[0]; /* all or nothing */
        self->dir[1].s = s[1];
    } else if (strcmp(cmd, "cut") == 0 || strcmp(cmd, "heal") == 0) {
        int mask = pick_directions(&arg, &save);
        if (arg) {
            snprintf(out, cap, "error: %s takes a2b, b2a or nothing, not '%s'\n", cmd, arg);
            return;
        }
        for (int i = 0; i < 2; i++)
            if (mask & (1 << i)) set_cut(&self->dir[i], cmd[0] == 'c');
    } else if (arg) {
        snprintf(out, cap, "error: %s takes no argument, not '%s'\n", cmd, arg);
        return;
    } else if (strcmp(cmd, "get") == 0) {
        /* the answer below says it */
    } else if (strcmp(cmd, "stats") == 0) {
        used = append(out, cap, used, "ok ");
        used = describe_settings(self, out, cap, used);
        used = append(out, cap, used, "\n");
        describe_stats(self, out, cap, used);
        return;
    } else if (strcmp(cmd, "reset") == 0) {
        /* Counting restarts; what is on the wire now counts as arrived, so that
         * in = out + lost + cut + queue_full + write_errors + queued still holds. */
        for (int i = 0; i < 2; i++) {
            direction_t *d = &self->dir[i];
            memset(&d->c, 0, sizeof d->c);
            d->c.in_packets = d->c.queue_peak_packets = d->queued_packets;
            d->c.in_bytes = d->c.queue_peak_bytes = d->queued_bytes;
        }
    } else {
        snprintf(out, cap, "error: unknown command '%s' (%s)\n", cmd, commands);
        return;
    }
    used = append(out, cap, used, "ok ");
    used = describe_settings(self, out, cap, used);
    append(out, cap, used, "\n");
}

/* Serve one control connection: one line in, one answer out. Short and blocking with a
 * bound: the tests' ctl client writes its line at once. */
static void serve_control(linkem_t *self) {
    int fd = accept4(self->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return;
    struct timeval tv = {.tv_sec = 2, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char line[LINKEM_LINE_MAX];
    size_t have = 0;
    while (have < sizeof line - 1) {
        ssize_t n = read(fd, line + have, sizeof line - 1 - have);
        if (n <= 0) break;
        have += (size_t)n;
        if (memchr(line, '\n', have)) break;
    }
    line[have] = '\0';
    static char out[8192];
    if (have == sizeof line - 1 && !memchr(line, '\n', have))
        snprintf(out, sizeof out, "error: command longer than %d bytes\n", LINKEM_LINE_MAX - 2);
    else
        control(self, line, out, sizeof out);
    size_t len = strlen(out), off = 0;
    while (off < len) {
        ssize_t n = write(fd, out + off, len - off);
        if (n <= 0) break;
        off += (size_t)n;
    }
    close(fd);
}

static int listen_control(const char *path) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) die("control socket path '%s' is too long (max %zu)", path, sizeof addr.sun_path - 1);
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    unlink(path);
    /* Bind under a temporary name and rename: the path appears only when it answers. */
    char tmp[sizeof addr.sun_path];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.t", path) >= sizeof tmp) die("control socket path '%s' is too long", path);
    unlink(tmp);
    strcpy(addr.sun_path, tmp);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("cannot bind %s: %s", tmp, strerror(errno));
    if (listen(fd, 16) < 0) die("listen: %s", strerror(errno));
    if (rename(tmp, path) < 0) die("cannot rename %s to %s: %s", tmp, path, strerror(errno));
    return fd;
}

static void usage(void) {
    fprintf(stderr,
            "usage: linkem run --ctl SOCK --dev-a NAME [--ns-a NSFILE] --dev-b NAME [--ns-b NSFILE]\n"
            "                  [--delay-ms N] [--jitter-ms N] [--loss-pct P] [--rate-kbit N] [--queue-packets N]\n"
            "                  [--queue-bytes N] [--seed N] [--watch-pid PID]\n"
            "       linkem ctl SOCK set [a2b|b2a] key=value... | cut [a2b|b2a] | heal [a2b|b2a] | get | stats | reset\n");
    exit(2);
}

static int run(int argc, char **argv) {
    static const struct option opts[] = {
        {"ctl", required_argument, 0, 'c'},       {"dev-a", required_argument, 0, 'a'},
        {"dev-b", required_argument, 0, 'b'},     {"ns-a", required_argument, 0, 'A'},
        {"ns-b", required_argument, 0, 'B'},      {"delay-ms", required_argument, 0, 'd'},
        {"jitter-ms", required_argument, 0, 'j'}, {"rate-kbit", required_argument, 0, 'r'}, {"loss-pct", required_argument, 0, 'l'},
        {"queue-packets", required_argument, 0, 'p'}, {"queue-bytes", required_argument, 0, 'q'},
        {"seed", required_argument, 0, 's'},      {"watch-pid", required_argument, 0, 'w'},
        {0, 0, 0, 0}};
    linkem_t self;
    memset(&self, 0, sizeof self);
    settings_t initial = {.queue_packets = 10000, .queue_bytes = 16L << 20};
    const char *dev_a = NULL, *dev_b = NULL, *ns_a = NULL, *ns_b = NULL;
    pid_t watch_pid = 0;
    uint64_t seed = (uint64_t)now_us() ^ ((uint64_t)getpid() << 32);
    char err[256], kv[128];
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *key = NULL;
        switch (c) {
        case 'c': self.ctl_path = optarg; break;
        case 'a': dev_a = optarg; break;
        case 'b': dev_b = optarg; break;
        case 'A': ns_a = optarg; break;
        case 'B': ns_b = optarg; break;
        case 'd': key = "delay_ms"; break;
        case 'j': key = "jitter_ms"; break;
        case 'r': key = "rate_kbit"; break;
        case 'l': key = "loss_pct"; break;
        case 'p': key = "queue_packets"; break;
        case 'q': key = "queue_bytes"; break;
        case 'w': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v <= 0) die("--watch-pid must be a process id, not '%s'", optarg);
            watch_pid = (pid_t)v;
            break;
        }
        case 's': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end) die("--seed must be a whole number, not '%s'", optarg);
            seed = v;
            break;
        }
        default: usage();
        }
        if (key) {
            snprintf(kv, sizeof kv, "%s=%s", key, optarg);
            if (settings_apply(&initial, kv, err, sizeof err) < 0) die("%s", err);
        }
    }
    if (!self.ctl_path || !dev_a || !dev_b) usage();
    self.rng = seed ? seed : 0x9E3779B97F4A7C15ULL;

    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int fa = tun_open(dev_a, ns_a);
    int fb = tun_open(dev_b, ns_b);
    self.dir[0] = (direction_t){.name = "a2b", .from = fa, .to = fb, .s = initial};
    self.dir[1] = (direction_t){.name = "b2a", .from = fb, .to = fa, .s = initial};
    self.ctl_fd = listen_control(self.ctl_path);
    fprintf(stderr, "linkem: ready: %s%s%s <-> %s%s%s, control %s, seed %" PRIu64 "\n", dev_a,
            ns_a ? " in " : "", ns_a ? ns_a : "", dev_b, ns_b ? " in " : "", ns_b ? ns_b : "",
            self.ctl_path, seed);

    while (!g_stop) {
        /* The test that made the wire died without its cleanup (kill -9, a ctest
         * timeout): do not outlive it. */
        if (watch_pid > 0 && kill(watch_pid, 0) < 0 && errno == ESRCH) {
            fprintf(stderr, "linkem: process %ld (--watch-pid) is gone; stopping\n", (long)watch_pid);
            break;
        }
        if (g_cut_signal) {
            g_cut_signal = 0;
            set_cut(&self.dir[0], 1);
            set_cut(&self.dir[1], 1);
        }
        if (g_heal_signal) {
            g_heal_signal = 0;
            set_cut(&self.dir[0], 0);
            set_cut(&self.dir[1], 0);
        }
        uint64_t now = now_us();
        release_due(&self.dir[0], now);
        release_due(&self.dir[1], now);
        uint64_t next = UINT64_MAX;
        for (int i = 0; i < 2; i++)
            if (self.dir[i].head && self.dir[i].head->release_us < next) next = self.dir[i].head->release_us;
        struct timespec ts = {.tv_sec = 1, .tv_nsec = 0}, *tsp = &ts;
        if (next != UINT64_MAX) {
            uint64_t wait = next > now ? next - now : 0;
            ts.tv_sec = (time_t)(wait / 1000000u);
            ts.tv_nsec = (long)(wait % 1000000u) * 1000;
        }
        struct pollfd p[3] = {{.fd = fa, .events = POLLIN}, {.fd = fb, .events = POLLIN}, {.fd = self.ctl_fd, .events = POLLIN}};
        int n = ppoll(p, 3, tsp, NULL);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("poll: %s", strerror(errno));
        }
        /* A device deleted under us (its namespace removed): the wire is gone; say so
         * rather than spin on an fd that polls as an error forever. */
        for (int i = 0; i < 2; i++)
            if ((p[i].revents & (POLLERR | POLLHUP | POLLNVAL)) && !(p[i].revents & POLLIN))
                die("device %s is gone (its namespace removed?); the wire is down", i ? dev_b : dev_a);
        if (p[0].revents & POLLIN) read_side(&self, &self.dir[0]);
        if (p[1].revents & POLLIN) read_side(&self, &self.dir[1]);
        if (p[2].revents & POLLIN) serve_control(&self);
    }
    char out[8192];
    describe_stats(&self, out, sizeof out, 0);
    fprintf(stderr, "linkem: stopping; counters:\n%s", out);
    queue_drop_all(&self.dir[0]);
    queue_drop_all(&self.dir[1]);
    close(self.ctl_fd);
    unlink(self.ctl_path);
    close(fa);
    close(fb);
    return 0;
}

static int ctl(int argc, char **argv) {
    if (argc < 2) usage();
    const char *path = argv[0];
    char line[LINKEM_LINE_MAX];
    size_t used = 0;
    for (int i = 1; i < argc; i++) {
        int n = snprintf(line + used, sizeof line - used, "%s%s", i > 1 ? " " : "", argv[i]);
        if (n < 0 || (size_t)n >= sizeof line - used - 1) die("command too long");
        used += (size_t)n;
    }
    line[used++] = '\n';
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) die("control socket path '%s' is too long", path);
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        die("cannot reach the link emulator at %s: %s (is linkem run still running?)", path, strerror(errno));
    struct timeval tv = {.tv_sec = 5, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (write(fd, line, used) != (ssize_t)used) die("cannot send to %s: %s", path, strerror(errno));
    shutdown(fd, SHUT_WR);
    char buf[8192];
    size_t have = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
        if (n < 0) die("no answer from %s: %s", path, strerror(errno));
        if (n == 0 || have + (size_t)n >= sizeof buf - 1) {
            have += n > 0 ? (size_t)n : 0;
            break;
        }
        have += (size_t)n;
    }
    buf[have] = '\0';
    close(fd);
    if (have == 0) die("empty answer from %s", path);
    fputs(buf, strncmp(buf, "ok", 2) == 0 ? stdout : stderr);
    return strncmp(buf, "ok", 2) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    if (strcmp(argv[1], "run") == 0) return run(argc - 1, argv + 1);
    if (strcmp(argv[1], "ctl") == 0) return ctl(argc - 2, argv + 2);
    usage();
    return 2;
}
