/* Helpers for bench/datapath/datapath_bench.sh, one binary with five commands:
 *   send ADDR PORT SECONDS PAYLOAD THREADS  sendmmsg flood of PAYLOAD-byte UDP datagrams;
 *                                           prints "sent N seconds S cpu C blocks B median M
 *                                           p90 P": C is the CPU time the sender ran, which
 *                                           includes the softirq work done on its behalf (the
 *                                           veth backlogs, the tc programs, forwarding,
 *                                           delivery) whenever the kernel runs it in the
 *                                           sender's context, as it does on bh enable. M and P
 *                                           are the median and 90th percentile of the rate in
 *                                           B blocks of 20 ms: datagrams sent per CPU-second
 *                                           of the sending thread. A guest's CPU time also
 *                                           runs while the host has the CPU elsewhere; such
 *                                           stolen time slows some blocks, seldom most of
 *                                           them, so P is near the rate with nothing stolen
 *   sink PORT TAG                           receives and discards on PORT (recvmmsg) until killed;
 *                                           TAG is only there to mark the process as the run's
 *   empty TAG DEV...                        loads one empty tc program (r0 = TC_ACT_UNSPEC; exit)
 *                                           per hook of each DEV (ingress, egress) and attaches it
 *                                           the way nodepath does (tcx link at the head of the
 *                                           chain, else a clsact filter), holds the kernel's
 *                                           run-time statistics on (unless DPBENCH_NO_STATS=1 is
 *                                           in the environment), prints "DEV DIR PROG_ID" lines
 *                                           and "ready", then waits for SIGTERM/SIGINT and
 *                                           detaches
 *   skip TAG DEV...                         the same with r0 = TC_ACT_OK, tcx only: at the head of
 *                                           the chain it ends the chain, so the programs behind it
 *                                           (a running agent's) do not run and the hook costs one
 *                                           empty program without stopping the agent
 *   stats TAG                               holds the kernel's run-time statistics on, prints
 *                                           "ready", then waits for SIGTERM/SIGINT */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define BATCH 64
#define MAX_THREADS 16
#define MAX_PAYLOAD 1472
#define MAX_HOOKS 64
#define BLOCK_SECONDS 0.02 /* a block of the flood: long enough for tens of batches */
#define MAX_BLOCKS 65536
#define TCX_INGRESS 46
#define TCX_EGRESS 47
#define F_BEFORE (1U << 3)
#define TC_HANDLE 0x6265 /* not nodepath's 0x6e70 */

struct flood {
	struct sockaddr_in dst;
	double seconds;
	size_t payload;
	atomic_int ready;
	int threads;
};

struct worker {
	struct flood *f;
	pthread_t tid;
	uint64_t sent;
	double *rates; /* per block: datagrams sent per CPU-second of this thread */
	size_t nrates;
	int err;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

/* Seconds on CLOCK_MONOTONIC, or the CPU time of the process or of the calling thread. */
static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *send_run(void *arg)
{
	static const char zeros[MAX_PAYLOAD];
	struct worker *w = arg;
	struct flood *f = w->f;
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { .iov_base = (void *)zeros, .iov_len = f->payload };
	double end, t, block_end, block_cpu;
	uint64_t block_sent;
	size_t max_rates;
	int fd = -1;

	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&f->dst, sizeof(f->dst))) {
		w->err = errno;
		atomic_fetch_add(&f->ready, 1);
		goto cleanup;
	}
	atomic_fetch_add(&f->ready, 1);
	while (atomic_load(&f->ready) < f->threads)
		;
	t = clock_s(CLOCK_MONOTONIC);
	end = t + f->seconds;
	max_rates = (size_t)(f->seconds / BLOCK_SECONDS) + 2;
	if (max_rates > MAX_BLOCKS)
		max_rates = MAX_BLOCKS;
	w->rates = calloc(max_rates, sizeof(*w->rates));
	if (!w->rates) {
		w->err = ENOMEM;
		goto cleanup;
	}
	block_end = t + BLOCK_SECONDS;
	block_cpu = clock_s(CLOCK_THREAD_CPUTIME_ID);
	block_sent = 0;
	while ((t = clock_s(CLOCK_MONOTONIC)) < end) {
		int n;

		if (t >= block_end) {
			double c = clock_s(CLOCK_THREAD_CPUTIME_ID);

			if (c > block_cpu && w->nrates < max_rates)
				w->rates[w->nrates++] =
				    (double)(w->sent - block_sent) / (c - block_cpu);
			block_end = t + BLOCK_SECONDS;
			block_cpu = c;
			block_sent = w->sent;
		}
		n = sendmmsg(fd, msgs, BATCH, 0);

		if (n > 0) {
			w->sent += (uint64_t)n;
			continue;
		}
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR &&
		    errno != ECONNREFUSED) {
			w->err = errno;
			goto cleanup;
		}
	}
cleanup:
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n sorted values, n > 0. */
static double quantile(const double *v, size_t n, double q)
{
	return v[(size_t)(q * (double)(n - 1) + 0.5)];
}

static int cmd_send(int argc, char **argv)
{
	static struct worker workers[MAX_THREADS];
	struct flood f = { .dst = { .sin_family = AF_INET } };
	uint64_t sent = 0;
	double start, cpu0, secs, cpu;
	double *rates = NULL;
	size_t nrates = 0;
	long port;
	int rc = 0;

	if (argc != 7)
		return 2;
	port = strtol(argv[3], NULL, 10);
	f.seconds = strtod(argv[4], NULL);
	f.payload = (size_t)strtoul(argv[5], NULL, 10);
	f.threads = atoi(argv[6]);
	if (inet_pton(AF_INET, argv[2], &f.dst.sin_addr) != 1 || port < 1 || port > 65535 ||
	    f.seconds <= 0 || f.payload > MAX_PAYLOAD || f.threads < 1 || f.threads > MAX_THREADS)
		return 2;
	f.dst.sin_port = htons((uint16_t)port);
	start = clock_s(CLOCK_MONOTONIC);
	cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < f.threads; i++) {
		workers[i].f = &f;
		if (pthread_create(&workers[i].tid, NULL, send_run, &workers[i])) {
			fprintf(stderr, "pthread_create failed\n");
			_exit(1);
		}
	}
	for (int i = 0; i < f.threads; i++) {
		pthread_join(workers[i].tid, NULL);
		sent += workers[i].sent;
		nrates += workers[i].nrates;
		if (workers[i].err) {
			fprintf(stderr, "send thread %d: %s\n", i, strerror(workers[i].err));
			rc = 1;
		}
	}
	secs = clock_s(CLOCK_MONOTONIC) - start;
	cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	if (nrates > 0)
		rates = malloc(nrates * sizeof(*rates));
	if (!rates) {
		fprintf(stderr, "no %.2fs block in the flood\n", BLOCK_SECONDS);
		rc = 1;
		goto cleanup;
	}
	nrates = 0;
	for (int i = 0; i < f.threads; i++) {
		memcpy(rates + nrates, workers[i].rates, workers[i].nrates * sizeof(*rates));
		nrates += workers[i].nrates;
	}
	qsort(rates, nrates, sizeof(*rates), cmp_double);
	printf("sent %llu seconds %.6f cpu %.6f blocks %zu median %.0f p90 %.0f\n",
	       (unsigned long long)sent, secs, cpu, nrates, quantile(rates, nrates, 0.5),
	       quantile(rates, nrates, 0.9));
cleanup:
	free(rates);
	for (int i = 0; i < f.threads; i++)
		free(workers[i].rates);
	return rc;
}

static int cmd_sink(int argc, char **argv)
{
	static char bufs[BATCH][2048];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	int rcvbuf = 1 << 22, fd;

	if (argc != 4)
		return 2;
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("bind");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (recvmmsg(fd, msgs, BATCH, 0, NULL) < 0 && errno != EINTR)
			return 1;
	}
}

struct hook {
	int ifindex;
	int dir; /* 0 ingress, 1 egress */
	int prog_fd;
	int link_fd; /* -1 for a clsact filter */
	bool tc;
};

static int attach_tc(struct hook *h)
{
	LIBBPF_OPTS(bpf_tc_hook, th, .ifindex = h->ifindex,
		    .attach_point = h->dir ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = 1, .prog_fd = h->prog_fd);
	int err = bpf_tc_hook_create(&th);

	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&th, &o);
}

static void detach_tc(struct hook *h)
{
	LIBBPF_OPTS(bpf_tc_hook, th, .ifindex = h->ifindex,
		    .attach_point = h->dir ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = 1);

	bpf_tc_detach(&th, &o);
}

/* The empty programs return TC_ACT_UNSPEC (-1), the skip programs TC_ACT_OK (0). Skip programs
 * must run before the agent's programs on the same hook, which BPF_F_BEFORE guarantees in a tcx
 * chain and a clsact filter's priority does not: no clsact fallback then. */
static int cmd_attach(int argc, char **argv, bool skip)
{
	static struct hook hooks[MAX_HOOKS];
	const struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = skip ? 0 : -1 }, /* r0 = verdict */
		{ .code = 0x95 },				      /* exit */
	};
	const char *env = getenv("DPBENCH_NO_STATS");
	bool no_stats = env && strcmp(env, "1") == 0;
	bool use_tc = false;
	int n = 0, rc = 0, stats_fd;

	if (argc < 4)
		return 2;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	stats_fd = -1;
	if (!no_stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0) {
			fprintf(stderr, "bpf_enable_stats: %s\n", strerror(errno));
			return 1;
		}
	}
	for (int a = 3; a < argc; a++) {
		for (int dir = 0; dir < 2; dir++) {
			struct hook *h = &hooks[n];
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			int err;

			if (n == MAX_HOOKS) {
				rc = 2;
				goto cleanup;
			}
			h->link_fd = -1;
			h->ifindex = (int)if_nametoindex(argv[a]);
			h->dir = dir;
			h->prog_fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS,
						   skip ? "bench_skip" : "bench_empty", "GPL",
						   insns, 2, NULL);
			if (!h->ifindex || h->prog_fd < 0) {
				fprintf(stderr, "%s: no such device or load failed\n", argv[a]);
				rc = 1;
				goto cleanup;
			}
			n++;
			if (!use_tc) {
				LIBBPF_OPTS(bpf_link_create_opts, o, .flags = F_BEFORE);

				h->link_fd = bpf_link_create(h->prog_fd, h->ifindex,
							     dir ? TCX_EGRESS : TCX_INGRESS, &o);
				if (h->link_fd < 0 && errno == EINVAL && n == 1) {
					if (skip) {
						fprintf(stderr,
							"%s: no tcx (kernel before 6.6?): skip "
							"needs a tcx chain to end\n",
							argv[a]);
						rc = 1;
						goto cleanup;
					}
					use_tc = true;
				} else if (h->link_fd < 0) {
					fprintf(stderr, "%s: tcx attach: %s\n", argv[a],
						strerror(errno));
					rc = 1;
					goto cleanup;
				}
			}
			if (use_tc) {
				err = attach_tc(h);
				if (err) {
					fprintf(stderr, "%s: tc attach: %s\n", argv[a],
						strerror(-err));
					rc = 1;
					goto cleanup;
				}
				h->tc = true;
			}
			if (bpf_obj_get_info_by_fd(h->prog_fd, &info, &len)) {
				rc = 1;
				goto cleanup;
			}
			printf("%s %s %u\n", argv[a], dir ? "egress" : "ingress", info.id);
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (!g_stop)
		pause();
cleanup:
	for (int i = 0; i < n; i++) {
		if (hooks[i].tc)
			detach_tc(&hooks[i]);
		if (hooks[i].link_fd >= 0)
			close(hooks[i].link_fd);
		close(hooks[i].prog_fd);
	}
	if (stats_fd >= 0)
		close(stats_fd);
	return rc;
}

static int cmd_stats(int argc, char **argv)
{
	int stats_fd;

	(void)argv;
	if (argc < 3)
		return 2;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "bpf_enable_stats: %s\n", strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!g_stop)
		pause();
	close(stats_fd);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		rc = cmd_send(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "sink") == 0)
		rc = cmd_sink(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "empty") == 0)
		rc = cmd_attach(argc, argv, false);
	else if (argc >= 2 && strcmp(argv[1], "skip") == 0)
		rc = cmd_attach(argc, argv, true);
	else if (argc >= 2 && strcmp(argv[1], "stats") == 0)
		rc = cmd_stats(argc, argv);
	if (rc == 2)
		fprintf(stderr,
			"usage: %s send ADDR PORT SECONDS PAYLOAD THREADS | sink PORT TAG | "
			"empty TAG DEV... | skip TAG DEV... | stats TAG\n",
			argv[0]);
	return rc;
}
