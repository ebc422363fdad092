/* UDP flood for bench/drops_bench.sh: THREADS threads each send batches of small datagrams with
 * sendmmsg to one address for SECONDS, then print the datagrams the kernel accepted and the
 * elapsed time. One connected socket per thread, each from its own source port.
 * usage: drops_flood ADDR PORT SECONDS PAYLOAD THREADS */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_THREADS 64
#define MAX_PAYLOAD 1472

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
	uint64_t errors;
	int err;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct flood *f = w->f;
	static const char zeros[MAX_PAYLOAD];
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { .iov_base = (void *)zeros, .iov_len = f->payload };
	double end;
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
	/* Start together so every thread floods for the same interval. */
	atomic_fetch_add(&f->ready, 1);
	while (atomic_load(&f->ready) < f->threads)
		;
	end = now() + f->seconds;
	while (now() < end) {
		int n = sendmmsg(fd, msgs, BATCH, 0);

		if (n > 0) {
			w->sent += (uint64_t)n;
			continue;
		}
		/* A full backlog on the receiving side can surface as ENOBUFS; keep sending. */
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR &&
		    errno != ECONNREFUSED) {
			w->err = errno;
			goto cleanup;
		}
		w->errors++;
	}
cleanup:
	if (fd >= 0)
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_THREADS];
	struct flood f = { .dst = { .sin_family = AF_INET } };
	uint64_t sent = 0, errors = 0;
	double start, elapsed;
	char *end = NULL;
	long port;
	int rc = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: %s ADDR PORT SECONDS PAYLOAD THREADS\n", argv[0]);
		return 2;
	}
	port = strtol(argv[2], &end, 10);
	f.seconds = strtod(argv[3], NULL);
	f.payload = (size_t)strtoul(argv[4], NULL, 10);
	f.threads = atoi(argv[5]);
	if (inet_pton(AF_INET, argv[1], &f.dst.sin_addr) != 1 || *end || port < 1 || port > 65535 ||
	    f.seconds <= 0 || f.payload > MAX_PAYLOAD || f.threads < 1 || f.threads > MAX_THREADS) {
		fprintf(stderr, "%s: bad arguments\n", argv[0]);
		return 2;
	}
	f.dst.sin_port = htons((uint16_t)port);
	start = now();
	for (int i = 0; i < f.threads; i++) {
		workers[i].f = &f;
		if (pthread_create(&workers[i].tid, NULL, run, &workers[i])) {
			fprintf(stderr, "%s: pthread_create failed\n", argv[0]);
			/* The started threads wait for all: they cannot finish without the rest. */
			_exit(1);
		}
	}
	for (int i = 0; i < f.threads; i++) {
		pthread_join(workers[i].tid, NULL);
		sent += workers[i].sent;
		errors += workers[i].errors;
		if (workers[i].err) {
			fprintf(stderr, "%s: thread %d: %s\n", argv[0], i,
				strerror(workers[i].err));
			rc = 1;
		}
	}
	elapsed = now() - start;
	printf("sent %llu errors %llu seconds %.6f\n", (unsigned long long)sent,
	       (unsigned long long)errors, elapsed);
	return rc;
}
