/*
 * wsload: a small WebSocket load client for ProxyBenchmark (Linux, C, libc and pthreads only).
 *
 * Opens --connections WebSockets to --url (ws://LOOPBACK:PORT/path; only 127.0.0.0/8, localhost
 * and [::1] are accepted), with an RFC 6455 handshake: random Sec-WebSocket-Key, status 101,
 * Upgrade/Connection headers and Sec-WebSocket-Accept (SHA-1 + base64 of key + GUID) verified.
 * Then, closed loop, each connection keeps --inflight masked text messages of --size bytes in
 * flight: every echo received (checked byte for byte) sends the next one. --warmup seconds are
 * not counted, then --seconds are: a message counts when it was sent at or after the start of
 * the measured window and its echo arrived before its end; its round trip goes into a
 * log-linear histogram (under 1% error) for p50/p99, the maximum is exact.
 *
 * Non-blocking sockets, one epoll loop per thread (--threads, default 1), connections split
 * between threads. Prints, like WsLoad (the Java client):
 *   HUBKIT-BENCH CONNECTED open=N failed=M
 *   HUBKIT-BENCH RESULT open=.. failed=.. messages=.. seconds=.. rate=.. p50=.. p99=.. max=..
 *                mismatches=.. timeouts=.. closed=.. senderrors=.. cpu=..
 * (latencies in ms; cpu = this process's CPU time over the warm-up and measured window, in % of
 * one core). A message whose echo is not back within 5 s counts as a timeout. Bounded: exits by
 * itself (status 3, "HUBKIT-BENCH ABORT ...") after warm-up + seconds + 60 s whatever happens.
 *
 *   gcc -O2 -pthread -o wsload wsload.c
 *   ./wsload --url ws://127.0.0.1:8080/ws [--connections 64] [--seconds 10] [--warmup 2]
 *            [--size 32] [--inflight 1] [--threads 1]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PREFIX "HUBKIT-BENCH "
#define ECHO_TIMEOUT_NS 5000000000ULL
#define CONNECT_PHASE_NS 30000000000ULL
#define MAX_CONNECTING 128
#define MAX_FRAME (16u << 20)

/* ------------------------------------------------------------------ SHA-1 and base64 */

typedef struct {
    uint32_t h[5];
    uint64_t len;
    unsigned char buf[64];
    size_t n;
} sha1_ctx;

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1_block(sha1_ctx *c, const unsigned char *p) {
    uint32_t w[80];
    for (int i = 0; i < 16; i++) {
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    }
    for (int i = 16; i < 80; i++) {
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    }
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & cc) | (~b & d);
            k = 0x5A827999;
        } else if (i < 40) {
            f = b ^ cc ^ d;
            k = 0x6ED9EBA1;
        } else if (i < 60) {
            f = (b & cc) | (b & d) | (cc & d);
            k = 0x8F1BBCDC;
        } else {
            f = b ^ cc ^ d;
            k = 0xCA62C1D6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = cc;
        cc = rol(b, 30);
        b = a;
        a = t;
    }
    c->h[0] += a;
    c->h[1] += b;
    c->h[2] += cc;
    c->h[3] += d;
    c->h[4] += e;
}

static void sha1(const void *data, size_t len, unsigned char out[20]) {
    sha1_ctx c = {{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}, 0, {0}, 0};
    const unsigned char *p = data;
    c.len = len;
    while (len >= 64) {
        sha1_block(&c, p);
        p += 64;
        len -= 64;
    }
    memcpy(c.buf, p, len);
    c.n = len;
    c.buf[c.n++] = 0x80;
    if (c.n > 56) {
        memset(c.buf + c.n, 0, 64 - c.n);
        sha1_block(&c, c.buf);
        c.n = 0;
    }
    memset(c.buf + c.n, 0, 56 - c.n);
    uint64_t bits = c.len * 8;
    for (int i = 0; i < 8; i++) {
        c.buf[63 - i] = (unsigned char)(bits >> (8 * i));
    }
    sha1_block(&c, c.buf);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = c.h[i] >> 24;
        out[4 * i + 1] = c.h[i] >> 16;
        out[4 * i + 2] = c.h[i] >> 8;
        out[4 * i + 3] = c.h[i];
    }
}

static void base64(const unsigned char *in, size_t len, char *out) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        out[o++] = i + 1 < len ? t[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? t[v & 63] : '=';
    }
    out[o] = 0;
}

/* The Sec-WebSocket-Accept a server must answer to a key (RFC 6455, 4.2.2). */
static void ws_accept(const char *key, char out[29]) {
    char buf[128];
    unsigned char digest[20];
    int n = snprintf(buf, sizeof buf, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    sha1(buf, (size_t)n, digest);
    base64(digest, 20, out);
}

/* ------------------------------------------------------------------ latency histogram */

/* Log-linear: values under 128 ns exact, then 64 buckets per power of two. */
#define HIST_BUCKETS (58 * 64 + 128)

static int hist_index(uint64_t v) {
    if (v < 128) {
        return (int)v;
    }
    int e = 63 - __builtin_clzll(v);
    int shift = e - 6;
    return shift * 64 + (int)(v >> shift);
}

/* The largest value of a bucket. */
static uint64_t hist_value(int idx) {
    if (idx < 128) {
        return (uint64_t)idx;
    }
    int shift = idx / 64 - 1;
    uint64_t m = (uint64_t)(idx - shift * 64);
    return ((m + 1) << shift) - 1;
}

/* Nearest-rank percentile of the histogram, in ms; -1 when empty. */
static double hist_percentile(const uint64_t *h, uint64_t total, double q, uint64_t max) {
    if (total == 0) {
        return -1;
    }
    uint64_t rank = (uint64_t)(q * (double)total);
    if ((double)rank < q * (double)total) {
        rank++;
    }
    if (rank < 1) {
        rank = 1;
    }
    uint64_t seen = 0;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        seen += h[i];
        if (seen >= rank) {
            uint64_t v = hist_value(i);
            return (v > max ? max : v) / 1e6;
        }
    }
    return max / 1e6;
}

/* ------------------------------------------------------------------ state */

enum { C_IDLE, C_CONNECTING, C_HANDSHAKE, C_OPEN, C_CLOSING, C_DONE };

typedef struct {
    int fd;
    int state;
    int failed;              /* connect or handshake failed */
    int dead;                /* closed or broken after it was open */
    uint64_t started;        /* connect began */
    char key[25];
    unsigned char *in;
    size_t in_len, in_cap;
    unsigned char *out;
    size_t out_off, out_len, out_cap;
    int want_out;            /* EPOLLOUT registered */
    uint64_t *sent;          /* send times of the messages in flight, oldest first (ring) */
    int head, inflight;
    int head_timed_out;      /* the oldest message in flight was counted as a timeout */
    size_t msg_off;          /* bytes of the current incoming message checked so far */
    int msg_bad, msg_op, in_msg;
    int close_sent;
} conn_t;

typedef struct {
    int id;
    int first, count;        /* its share of the connections */
    conn_t *conns;
    int epfd;
    uint32_t rnd;
    uint64_t hist[HIST_BUCKETS];
    uint64_t messages, max_ns;
    uint64_t mismatches, timeouts, closed_early, send_errors;
    int open, failed;
    pthread_t thread;
} worker_t;

static struct {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char host_header[300];
    char path[1024];
    int connections, seconds, warmup, size, inflight, threads;
} opt;

static unsigned char *message;      /* the payload: "abc...z" repeated, as WsLoad */
static pthread_barrier_t connected_barrier, go_barrier;
static volatile uint64_t measure_from, measure_to;
static int first_failure_said;
static pthread_mutex_t say_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void say_first_failure(const char *fmt, ...) {
    pthread_mutex_lock(&say_lock);
    if (!first_failure_said) {
        first_failure_said = 1;
        va_list ap;
        va_start(ap, fmt);
        printf(PREFIX "first connect failure: ");
        vprintf(fmt, ap);
        printf("\n");
        fflush(stdout);
        va_end(ap);
    }
    pthread_mutex_unlock(&say_lock);
}

static void on_alarm(int sig) {
    (void)sig;
    static const char m[] = PREFIX "ABORT time limit reached\n";
    ssize_t ignored = write(1, m, sizeof m - 1);
    (void)ignored;
    _exit(3);
}

static uint32_t xorshift(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* ------------------------------------------------------------------ buffers and frames */

static void out_reserve(conn_t *c, size_t more) {
    if (c->out_off > 0 && c->out_len + more > c->out_cap) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    if (c->out_len + more > c->out_cap) {
        size_t cap = c->out_cap * 2;
        while (cap < c->out_len + more) {
            cap *= 2;
        }
        c->out = realloc(c->out, cap);
        if (!c->out) {
            perror("realloc");
            exit(2);
        }
        c->out_cap = cap;
    }
}

/* Appends one masked client frame. */
static void put_frame(worker_t *w, conn_t *c, int opcode, const unsigned char *payload, size_t len) {
    out_reserve(c, len + 14);
    unsigned char *p = c->out + c->out_len;
    size_t h = 0;
    p[h++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        p[h++] = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        p[h++] = 0x80 | 126;
        p[h++] = (unsigned char)(len >> 8);
        p[h++] = (unsigned char)len;
    } else {
        p[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--) {
            p[h++] = (unsigned char)((uint64_t)len >> (8 * i));
        }
    }
    uint32_t m = xorshift(&w->rnd);
    unsigned char mask[4] = {(unsigned char)(m >> 24), (unsigned char)(m >> 16), (unsigned char)(m >> 8), (unsigned char)m};
    memcpy(p + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < len; i++) {
        p[h + i] = payload[i] ^ mask[i & 3];
    }
    c->out_len += h + len;
}

static void send_message(worker_t *w, conn_t *c, uint64_t now) {
    put_frame(w, c, 1, message, (size_t)opt.size);
    c->sent[(c->head + c->inflight) % opt.inflight] = now;
    c->inflight++;
}

static void set_events(worker_t *w, conn_t *c, int want_out) {
    if (c->want_out == want_out) {
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = want_out;
}

static void conn_close(worker_t *w, conn_t *c) {
    if (c->fd >= 0) {
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    c->state = C_DONE;
    c->inflight = 0;
}

/* The connection broke: a failed connect before it was open, an early close after. */
static void conn_broken(worker_t *w, conn_t *c, const char *why, int is_send_error) {
    if (c->state == C_CONNECTING || c->state == C_HANDSHAKE) {
        c->failed = 1;
        w->failed++;
        say_first_failure("%s", why);
    } else if (c->state == C_OPEN) {
        if (is_send_error) {
            w->send_errors++;
        }
        w->closed_early++;
        c->dead = 1;
    }
    conn_close(w, c);
}

/* Writes what is queued; returns -1 when the connection broke. */
static int flush_out(worker_t *w, conn_t *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_events(w, c, 1);
            return 0;
        } else {
            conn_broken(w, c, strerror(errno), 1);
            return -1;
        }
    }
    c->out_off = c->out_len = 0;
    set_events(w, c, 0);
    return 0;
}

/* ------------------------------------------------------------------ connect and handshake */

static void conn_start(worker_t *w, conn_t *c) {
    c->started = now_ns();
    c->fd = socket(opt.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        c->state = C_CONNECTING;
        conn_broken(w, c, strerror(errno), 0);
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->state = C_CONNECTING;
    int r = connect(c->fd, (struct sockaddr *)&opt.addr, opt.addrlen);
    if (r < 0 && errno != EINPROGRESS) {
        conn_broken(w, c, strerror(errno), 0);
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    c->want_out = 1;
    epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void send_handshake(worker_t *w, conn_t *c) {
    unsigned char raw[16];
    if (getrandom(raw, sizeof raw, 0) != sizeof raw) {
        for (int i = 0; i < 16; i++) {
            raw[i] = (unsigned char)xorshift(&w->rnd);
        }
    }
    base64(raw, 16, c->key);
    char req[1500];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     opt.path, opt.host_header, c->key);
    out_reserve(c, (size_t)n);
    memcpy(c->out + c->out_len, req, (size_t)n);
    c->out_len += (size_t)n;
    c->state = C_HANDSHAKE;
    flush_out(w, c);
}

/* The value of header `name` in the response head (NUL-terminated), copied into `out`; 0 if absent. */
static int header(const char *head, const char *name, char *out, size_t cap) {
    size_t nl = strlen(name);
    const char *p = strstr(head, "\r\n");
    while (p && p[2] != '\r' && p[2] != 0) {
        p += 2;
        const char *eol = strstr(p, "\r\n");
        if (!eol) {
            break;
        }
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t') {
                v++;
            }
            const char *e = eol;
            while (e > v && (e[-1] == ' ' || e[-1] == '\t')) {
                e--;
            }
            size_t len = (size_t)(e - v) < cap - 1 ? (size_t)(e - v) : cap - 1;
            memcpy(out, v, len);
            out[len] = 0;
            return 1;
        }
        p = eol;
    }
    return 0;
}

/* Whether the comma-separated `list` holds `token` (case-insensitive). */
static int has_token(const char *list, const char *token) {
    size_t tl = strlen(token);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t') {
            p++;
        }
        const char *e = p;
        while (*e && *e != ',') {
            e++;
        }
        const char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t')) {
            t--;
        }
        if ((size_t)(t - p) == tl && strncasecmp(p, token, tl) == 0) {
            return 1;
        }
        p = e;
    }
    return 0;
}

/* Checks the response head once complete; 1 = open, 0 = wait for more, -1 = failed. */
static int check_handshake(worker_t *w, conn_t *c) {
    unsigned char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end) {
        if (c->in_len > 16384) {
            conn_broken(w, c, "handshake answer head over 16 KiB", 0);
            return -1;
        }
        return 0;
    }
    size_t head_len = (size_t)(end - c->in) + 4;
    char *head = malloc(head_len + 1);
    memcpy(head, c->in, head_len);
    head[head_len] = 0;
    char why[400] = "";
    char v[256];
    char expect[29];
    ws_accept(c->key, expect);
    if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
        const char *eol = strstr(head, "\r\n");
        snprintf(why, sizeof why, "answer '%.*s', not 101", (int)(eol ? eol - head : 40), head);
    } else if (!header(head, "Upgrade", v, sizeof v) || strcasecmp(v, "websocket") != 0) {
        snprintf(why, sizeof why, "101 without Upgrade: websocket");
    } else if (!header(head, "Connection", v, sizeof v) || !has_token(v, "upgrade")) {
        snprintf(why, sizeof why, "101 without Connection: upgrade");
    } else if (!header(head, "Sec-WebSocket-Accept", v, sizeof v) || strcmp(v, expect) != 0) {
        snprintf(why, sizeof why, "Sec-WebSocket-Accept '%.60s', expected '%s'", v, expect);
    }
    free(head);
    if (why[0]) {
        conn_broken(w, c, why, 0);
        return -1;
    }
    memmove(c->in, c->in + head_len, c->in_len - head_len);
    c->in_len -= head_len;
    c->state = C_OPEN;
    w->open++;
    return 1;
}

/* ------------------------------------------------------------------ frames in */

/* A whole incoming message (text) ended. */
static void message_done(worker_t *w, conn_t *c, int ok, uint64_t now, int sending) {
    if (!ok) {
        w->mismatches++;
    }
    if (c->inflight == 0) {
        w->mismatches++;   /* an echo nobody asked for */
        return;
    }
    uint64_t sent = c->sent[c->head];
    c->head = (c->head + 1) % opt.inflight;
    c->inflight--;
    c->head_timed_out = 0;
    if (sent >= measure_from && now <= measure_to) {
        uint64_t rt = now - sent;
        w->hist[hist_index(rt)]++;
        w->messages++;
        if (rt > w->max_ns) {
            w->max_ns = rt;
        }
    }
    if (sending && now < measure_to) {
        send_message(w, c, now);
    }
}

/* Parses the complete frames in the input buffer; returns -1 when the connection was closed. */
static int parse_frames(worker_t *w, conn_t *c, int sending) {
    size_t pos = 0;
    uint64_t now = 0;
    while (c->in_len - pos >= 2) {
        unsigned char *p = c->in + pos;
        size_t avail = c->in_len - pos;
        int fin = p[0] & 0x80;
        int op = p[0] & 0x0f;
        int masked = p[1] & 0x80;
        uint64_t len = p[1] & 0x7f;
        size_t h = 2;
        if (len == 126) {
            if (avail < 4) {
                break;
            }
            len = (uint64_t)p[2] << 8 | p[3];
            h = 4;
        } else if (len == 127) {
            if (avail < 10) {
                break;
            }
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = len << 8 | p[2 + i];
            }
            h = 10;
        }
        unsigned char mask[4] = {0, 0, 0, 0};
        if (masked) {
            if (avail < h + 4) {
                break;
            }
            memcpy(mask, p + h, 4);
            h += 4;
        }
        if (len > MAX_FRAME) {
            w->mismatches++;
            conn_broken(w, c, "frame over 16 MiB", 0);
            return -1;
        }
        if (avail < h + len) {
            if (c->in_cap < h + len) {   /* make room for the whole frame */
                memmove(c->in, c->in + pos, avail);
                c->in_len = avail;
                pos = 0;
                c->in_cap = h + len;
                c->in = realloc(c->in, c->in_cap);
            }
            break;
        }
        unsigned char *payload = p + h;
        if (masked) {
            w->mismatches++;   /* a server must not mask */
            for (uint64_t i = 0; i < len; i++) {
                payload[i] ^= mask[i & 3];
            }
        }
        pos += h + len;
        if (op == 1 || op == 2 || (op == 0 && c->in_msg)) {
            if (op != 0) {
                c->in_msg = 1;
                c->msg_off = 0;
                c->msg_bad = op != 1;
            }
            if (c->msg_off + len > (uint64_t)opt.size || memcmp(payload, message + c->msg_off, len) != 0) {
                c->msg_bad = 1;
            } else {
                c->msg_off += len;
            }
            if (fin) {
                c->in_msg = 0;
                if (!now) {
                    now = now_ns();
                }
                message_done(w, c, !c->msg_bad && c->msg_off == (size_t)opt.size, now, sending);
            }
        } else if (op == 8) {              /* close */
            if (c->state == C_OPEN) {
                w->closed_early++;
                c->dead = 1;
                unsigned char code[2] = {0x03, 0xe8};
                put_frame(w, c, 8, code, 2);
                flush_out(w, c);
            }
            conn_close(w, c);
            return -1;
        } else if (op == 9) {              /* ping */
            put_frame(w, c, 10, payload, len);
        } else if (op == 10) {             /* pong */
        } else {
            w->mismatches++;
            conn_broken(w, c, "unexpected frame", 0);
            return -1;
        }
    }
    if (pos > 0) {
        memmove(c->in, c->in + pos, c->in_len - pos);
        c->in_len -= pos;
    }
    return 0;
}

/* Reads what is there and handles it; `sending` = send the next message for each echo. */
static void on_readable(worker_t *w, conn_t *c, int sending) {
    if (c->in_cap - c->in_len < 4096) {
        c->in_cap *= 2;
        c->in = realloc(c->in, c->in_cap);
    }
    ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
    if (n == 0) {
        if (c->state == C_CLOSING) {
            conn_close(w, c);
        } else {
            conn_broken(w, c, "connection closed by the server", 0);
        }
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            if (c->state == C_CLOSING) {
                conn_close(w, c);
            } else {
                conn_broken(w, c, strerror(errno), 0);
            }
        }
        return;
    }
    c->in_len += (size_t)n;
    if (c->state == C_HANDSHAKE) {
        if (check_handshake(w, c) <= 0) {
            return;
        }
    }
    if (parse_frames(w, c, sending) < 0) {
        return;
    }
    if (c->out_len > c->out_off) {
        flush_out(w, c);
    }
}

static void on_event(worker_t *w, conn_t *c, uint32_t ev, int sending) {
    if (c->state == C_CONNECTING) {
        if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            int err = 0;
            socklen_t l = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
            if (err) {
                conn_broken(w, c, strerror(err), 0);
                return;
            }
            send_handshake(w, c);
        }
        return;
    }
    if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        on_readable(w, c, sending);
        if (c->state == C_DONE) {
            return;
        }
    }
    if (ev & EPOLLOUT) {
        flush_out(w, c);
    }
}

/* ------------------------------------------------------------------ one thread */

static int poll_once(worker_t *w, int timeout_ms, int sending) {
    struct epoll_event evs[256];
    int n = epoll_wait(w->epfd, evs, 256, timeout_ms);
    for (int i = 0; i < n; i++) {
        conn_t *c = evs[i].data.ptr;
        if (c->state != C_DONE) {
            on_event(w, c, evs[i].events, sending);
        }
    }
    return n;
}

static void *worker_main(void *arg) {
    worker_t *w = arg;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    /* Connect, at most MAX_CONNECTING handshakes at a time, for at most 30 s. */
    uint64_t deadline = now_ns() + CONNECT_PHASE_NS;
    int next = 0;
    while (1) {
        int busy = 0;
        for (int i = 0; i < w->count; i++) {
            int s = w->conns[i].state;
            busy += s == C_CONNECTING || s == C_HANDSHAKE;
        }
        while (busy < MAX_CONNECTING && next < w->count) {
            conn_start(w, &w->conns[next++]);
            busy++;
        }
        if (next == w->count && w->open + w->failed == w->count) {
            break;
        }
        if (now_ns() > deadline) {
            for (int i = 0; i < w->count; i++) {
                conn_t *c = &w->conns[i];
                if (c->state == C_IDLE) {
                    c->state = C_CONNECTING;
                }
                if (c->state == C_CONNECTING || c->state == C_HANDSHAKE) {
                    conn_broken(w, c, "no WebSocket within 30 s", 0);
                }
            }
            break;
        }
        poll_once(w, 50, 0);
    }
    pthread_barrier_wait(&connected_barrier);
    pthread_barrier_wait(&go_barrier);

    /* Load: closed loop until measure_to. */
    uint64_t now = now_ns();
    for (int i = 0; i < w->count; i++) {
        conn_t *c = &w->conns[i];
        if (c->state == C_OPEN) {
            for (int k = 0; k < opt.inflight; k++) {
                send_message(w, c, now);
            }
            flush_out(w, c);
        }
    }
    uint64_t last_scan = now;
    while ((now = now_ns()) < measure_to) {
        uint64_t left_ms = (measure_to - now) / 1000000 + 1;
        poll_once(w, left_ms < 50 ? (int)left_ms : 50, 1);
        now = now_ns();
        if (now - last_scan > 100000000ULL) {   /* echoes late by 5 s count as timeouts, once */
            last_scan = now;
            for (int i = 0; i < w->count; i++) {
                conn_t *c = &w->conns[i];
                if (c->state == C_OPEN && c->inflight > 0 && !c->head_timed_out && now - c->sent[c->head] > ECHO_TIMEOUT_NS) {
                    c->head_timed_out = 1;
                    w->timeouts++;
                }
            }
        }
    }
    /* Drain: echoes of the messages still in flight, not counted, for at most 2 s. */
    uint64_t drain_to = now_ns() + 2000000000ULL;
    while (now_ns() < drain_to) {
        int waiting = 0;
        for (int i = 0; i < w->count; i++) {
            waiting += w->conns[i].state == C_OPEN && w->conns[i].inflight > 0;
        }
        if (!waiting) {
            break;
        }
        poll_once(w, 20, 0);
    }
    /* Close handshake: a close frame each, then wait for the server's close (or EOF), at most 2 s. */
    for (int i = 0; i < w->count; i++) {
        conn_t *c = &w->conns[i];
        if (c->state == C_OPEN) {
            c->state = C_CLOSING;
            unsigned char code[2] = {0x03, 0xe8};
            put_frame(w, c, 8, code, 2);
            c->close_sent = 1;
            if (flush_out(w, c) < 0 && c->state != C_DONE) {
                conn_close(w, c);
            }
        }
    }
    uint64_t close_to = now_ns() + 2000000000ULL;
    while (now_ns() < close_to) {
        int closing = 0;
        for (int i = 0; i < w->count; i++) {
            /* the parser ends a closing connection on the server's close frame, on_readable on EOF */
            closing += w->conns[i].state == C_CLOSING;
        }
        if (!closing) {
            break;
        }
        poll_once(w, 20, 0);
    }
    for (int i = 0; i < w->count; i++) {
        if (w->conns[i].fd >= 0) {
            conn_close(w, &w->conns[i]);
        }
    }
    close(w->epfd);
    return NULL;
}

/* ------------------------------------------------------------------ options and main */

static void usage(const char *why) {
    fprintf(stderr, "wsload: %s\nusage: wsload --url ws://127.0.0.1:PORT/path [--connections 64] [--seconds 10]"
                    " [--warmup 2] [--size 32] [--inflight 1] [--threads 1]\n", why);
    exit(2);
}

static int int_arg(int argc, char **argv, int *i, int min, int max) {
    if (*i + 1 >= argc) {
        usage("an option needs a value");
    }
    char *end;
    long v = strtol(argv[++*i], &end, 10);
    if (*end || v < min || v > max) {
        fprintf(stderr, "wsload: %s %s: expected a whole number from %d to %d\n", argv[*i - 1], argv[*i], min, max);
        exit(2);
    }
    return (int)v;
}

/* ws://HOST:PORT/path with HOST a loopback address: 127.x.x.x, localhost or [::1]. */
static void parse_url(const char *url) {
    if (strncmp(url, "ws://", 5) != 0) {
        usage("--url must start with ws:// (no TLS)");
    }
    const char *h = url + 5;
    const char *slash = strchr(h, '/');
    size_t hp_len = slash ? (size_t)(slash - h) : strlen(h);
    snprintf(opt.path, sizeof opt.path, "%s", slash ? slash : "/");
    char hp[256];
    if (hp_len == 0 || hp_len >= sizeof hp) {
        usage("bad host in --url");
    }
    memcpy(hp, h, hp_len);
    hp[hp_len] = 0;
    snprintf(opt.host_header, sizeof opt.host_header, "%s", hp);
    char host[256];
    int port = 80;
    char *colon;
    if (hp[0] == '[') {
        char *rb = strchr(hp, ']');
        if (!rb) {
            usage("bad IPv6 host in --url");
        }
        *rb = 0;
        snprintf(host, sizeof host, "%s", hp + 1);
        colon = rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = strrchr(hp, ':');
        if (colon) {
            *colon = 0;
        }
        snprintf(host, sizeof host, "%s", hp);
    }
    if (colon) {
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (*end || p < 1 || p > 65535) {
            usage("bad port in --url");
        }
        port = (int)p;
    }
    memset(&opt.addr, 0, sizeof opt.addr);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&opt.addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&opt.addr;
    if (strcasecmp(host, "localhost") == 0) {
        snprintf(host, sizeof host, "127.0.0.1");
    }
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        if ((ntohl(a4->sin_addr.s_addr) >> 24) != 127) {
            usage("only loopback addresses (127.0.0.0/8, localhost, [::1]) are accepted");
        }
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        opt.addrlen = sizeof *a4;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr)) {
            usage("only loopback addresses (127.0.0.0/8, localhost, [::1]) are accepted");
        }
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        opt.addrlen = sizeof *a6;
    } else {
        usage("the host in --url must be a loopback address (127.0.0.0/8, localhost, [::1]); no name lookups");
    }
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void sleep_until(uint64_t t) {
    struct timespec ts = {(time_t)(t / 1000000000ULL), (long)(t % 1000000000ULL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

/* The RFC 6455 example key, SHA-1 test vectors and the histogram's bucket bounds; exit status 0 when right. */
static int self_test(void) {
    int bad = 0;
    char a[29];
    ws_accept("dGhlIHNhbXBsZSBub25jZQ==", a);
    bad |= strcmp(a, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != 0;
    unsigned char d[20];
    char b[29];
    sha1("abc", 3, d);
    base64(d, 20, b);
    bad |= strcmp(b, "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=") != 0;
    char longer[200];
    memset(longer, 'a', sizeof longer);
    sha1(longer, 56, d);   /* padding spills into a second block */
    base64(d, 20, b);
    bad |= strcmp(b, "wtszD2CDhUyZ1LW/tujynyAb5pk=") != 0;
    for (uint64_t v = 1; v < 50000000000ULL; v = v * 3 / 2 + 1) {
        int i = hist_index(v);
        bad |= i >= HIST_BUCKETS || hist_value(i) < v || (i > 0 && hist_value(i - 1) >= v) || hist_value(i) > v + v / 64;
    }
    printf(PREFIX "SELF-TEST %s\n", bad ? "FAILED" : "ok");
    return bad;
}

int main(int argc, char **argv) {
    const char *url = NULL;
    opt.connections = 64;
    opt.seconds = 10;
    opt.warmup = 2;
    opt.size = 32;
    opt.inflight = 1;
    opt.threads = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
            url = argv[++i];
        } else if (strcmp(argv[i], "--connections") == 0) {
            opt.connections = int_arg(argc, argv, &i, 1, 100000);
        } else if (strcmp(argv[i], "--seconds") == 0) {
            opt.seconds = int_arg(argc, argv, &i, 1, 86400);
        } else if (strcmp(argv[i], "--warmup") == 0) {
            opt.warmup = int_arg(argc, argv, &i, 0, 3600);
        } else if (strcmp(argv[i], "--size") == 0) {
            opt.size = int_arg(argc, argv, &i, 1, 1 << 20);
        } else if (strcmp(argv[i], "--inflight") == 0) {
            opt.inflight = int_arg(argc, argv, &i, 1, 1024);
        } else if (strcmp(argv[i], "--threads") == 0) {
            opt.threads = int_arg(argc, argv, &i, 1, 64);
        } else if (strcmp(argv[i], "--self-test") == 0) {
            return self_test();
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage("a WebSocket echo load client");
        } else {
            fprintf(stderr, "wsload: unknown option %s\n", argv[i]);
            usage("see above");
        }
    }
    if (!url) {
        usage("--url ws://host:port/path is needed");
    }
    parse_url(url);
    if (opt.threads > opt.connections) {
        opt.threads = opt.connections;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    alarm((unsigned)(opt.warmup + opt.seconds + 60));

    message = malloc((size_t)opt.size);
    for (int i = 0; i < opt.size; i++) {
        message[i] = (unsigned char)('a' + i % 26);
    }
    conn_t *conns = calloc((size_t)opt.connections, sizeof(conn_t));
    for (int i = 0; i < opt.connections; i++) {
        conn_t *c = &conns[i];
        c->fd = -1;
        c->in_cap = (size_t)opt.size * 2 + 16384;
        c->in = malloc(c->in_cap);
        c->out_cap = (size_t)(opt.size + 14) * (size_t)opt.inflight + 2048;
        c->out = malloc(c->out_cap);
        c->sent = calloc((size_t)opt.inflight, sizeof(uint64_t));
    }
    worker_t *ws = calloc((size_t)opt.threads, sizeof(worker_t));
    measure_from = measure_to = UINT64_MAX;
    pthread_barrier_init(&connected_barrier, NULL, (unsigned)opt.threads + 1);
    pthread_barrier_init(&go_barrier, NULL, (unsigned)opt.threads + 1);
    uint32_t seed;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed) {
        seed = (uint32_t)now_ns();
    }
    for (int t = 0; t < opt.threads; t++) {
        worker_t *w = &ws[t];
        w->id = t;
        w->first = (int)((long)opt.connections * t / opt.threads);
        w->count = (int)((long)opt.connections * (t + 1) / opt.threads) - w->first;
        w->conns = conns + w->first;
        w->rnd = (seed ^ (uint32_t)(t * 0x9E3779B9u)) | 1;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            perror("pthread_create");
            return 2;
        }
    }
    pthread_barrier_wait(&connected_barrier);
    int open = 0, failed = 0;
    for (int t = 0; t < opt.threads; t++) {
        open += ws[t].open;
        failed += ws[t].failed;
    }
    printf(PREFIX "CONNECTED open=%d failed=%d\n", open, failed);
    fflush(stdout);
    uint64_t t0 = now_ns();
    double cpu0 = cpu_seconds();
    measure_from = t0 + (uint64_t)opt.warmup * 1000000000ULL;
    measure_to = measure_from + (uint64_t)opt.seconds * 1000000000ULL;
    pthread_barrier_wait(&go_barrier);
    sleep_until(measure_to);
    double cpu1 = cpu_seconds();
    double cpu = (cpu1 - cpu0) / ((measure_to - t0) / 1e9) * 100;
    for (int t = 0; t < opt.threads; t++) {
        pthread_join(ws[t].thread, NULL);
    }
    uint64_t messages = 0, max = 0, mism = 0, tout = 0, closed = 0, serr = 0;
    static uint64_t hist[HIST_BUCKETS];
    for (int t = 0; t < opt.threads; t++) {
        worker_t *w = &ws[t];
        messages += w->messages;
        max = w->max_ns > max ? w->max_ns : max;
        mism += w->mismatches;
        tout += w->timeouts;
        closed += w->closed_early;
        serr += w->send_errors;
        for (int i = 0; i < HIST_BUCKETS; i++) {
            hist[i] += w->hist[i];
        }
    }
    double seconds = (measure_to - measure_from) / 1e9;
    printf(PREFIX "RESULT open=%d failed=%d messages=%llu seconds=%.3f rate=%.1f p50=%.3f p99=%.3f max=%.3f"
                  " mismatches=%llu timeouts=%llu closed=%llu senderrors=%llu cpu=%.1f\n",
           open, failed, (unsigned long long)messages, seconds, messages / seconds,
           hist_percentile(hist, messages, 0.50, max), hist_percentile(hist, messages, 0.99, max),
           messages ? max / 1e6 : -1.0, (unsigned long long)mism, (unsigned long long)tout,
           (unsigned long long)closed, (unsigned long long)serr, cpu);
    fflush(stdout);
    return 0;
}
