// SPDX-License-Identifier: Apache-2.0
/* Static helper for the kernel matrix guest (no python there): exact-size UDP sender and sink,
 * and the kernel's own view of BPF attachments (tcx chains, BPF links), which busybox and
 * bpftool 7.1 cannot show.
 *
 *   guest_tool send DST PORT COUNT PAYLOAD   COUNT datagrams of exactly PAYLOAD bytes
 *   guest_tool sink PORT                     bound socket that discards (no ICMP unreachable)
 *   guest_tool tcx DEV ingress|egress...     "DEV DIR N": programs in each tcx chain ("-": no tcx)
 *   guest_tool links                         BPF links in the whole system
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Debian 12's uapi headers predate tcx: the attach types are defined by hand. */
#define NP_BPF_TCX_INGRESS 46
#define NP_BPF_TCX_EGRESS 47

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end = NULL;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end != '\0' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		perror("socket");
	return fd;
}

static int cmd_send(const char *dst, const char *port_s, const char *count_s, const char *size_s)
{
	static char buf[65507];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timespec pace = { .tv_nsec = 2000000 };
	unsigned long port, count, size;
	int fd = -1, ret = 1;

	if (parse_uint(port_s, 65535, &port) || parse_uint(count_s, 1000000, &count) ||
	    parse_uint(size_s, sizeof(buf), &size) || inet_pton(AF_INET, dst, &sa.sin_addr) != 1) {
		fprintf(stderr, "send: bad arguments\n");
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);
	memset(buf, 'n', size);
	fd = udp_socket();
	if (fd < 0)
		goto cleanup;
	for (unsigned long i = 0; i < count; i++) {
		ssize_t n = sendto(fd, buf, size, 0, (struct sockaddr *)&sa, sizeof(sa));

		if (n != (ssize_t)size) {
			perror("sendto");
			goto cleanup;
		}
		/* paced so that no queue on the way (veth, bridge, vxlan) can overflow */
		if (i % 16 == 15)
			nanosleep(&pace, NULL);
	}
	ret = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int cmd_sink(const char *port_s)
{
	static char buf[65536];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	unsigned long port;
	int fd = -1;

	if (parse_uint(port_s, 65535, &port)) {
		fprintf(stderr, "sink: bad port\n");
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);
	fd = udp_socket();
	if (fd < 0)
		return 1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("bind");
		close(fd);
		return 1;
	}
	for (;;)
		if (recv(fd, buf, sizeof(buf), 0) < 0 && errno != EINTR)
			break;
	close(fd);
	return 1;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int tcx_count(const char *dev, const char *dir)
{
	uint32_t ids[64];
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = if_nametoindex(dev); /* target_ifindex for tcx */
	if (attr.query.target_fd == 0) {
		fprintf(stderr, "tcx: no device %s\n", dev);
		return 1;
	}
	if (strcmp(dir, "ingress") == 0)
		attr.query.attach_type = NP_BPF_TCX_INGRESS;
	else if (strcmp(dir, "egress") == 0)
		attr.query.attach_type = NP_BPF_TCX_EGRESS;
	else
		return 2;
	attr.query.prog_ids = (uintptr_t)ids;
	attr.query.prog_cnt = 64;
	if (sys_bpf(BPF_PROG_QUERY, &attr)) {
		if (errno == EINVAL) { /* kernel without tcx */
			printf("%s %s -\n", dev, dir);
			return 0;
		}
		perror("BPF_PROG_QUERY");
		return 1;
	}
	printf("%s %s %u\n", dev, dir, attr.query.prog_cnt);
	return 0;
}

static int cmd_tcx(int argc, char **argv)
{
	for (int i = 0; i + 1 < argc; i += 2) {
		int err = tcx_count(argv[i], argv[i + 1]);

		if (err)
			return err;
	}
	return 0;
}

static int cmd_links(void)
{
	union bpf_attr attr;
	unsigned int n = 0;
	uint32_t id = 0;

	for (;;) {
		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (sys_bpf(BPF_LINK_GET_NEXT_ID, &attr)) {
			if (errno == ENOENT)
				break;
			perror("BPF_LINK_GET_NEXT_ID");
			return 1;
		}
		id = attr.next_id;
		n++;
	}
	printf("%u\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "send") == 0)
		return cmd_send(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 3 && strcmp(argv[1], "sink") == 0)
		return cmd_sink(argv[2]);
	if (argc >= 4 && argc % 2 == 0 && strcmp(argv[1], "tcx") == 0)
		return cmd_tcx(argc - 2, argv + 2);
	if (argc == 2 && strcmp(argv[1], "links") == 0)
		return cmd_links();
	fprintf(stderr, "usage: guest_tool send DST PORT COUNT PAYLOAD | sink PORT | "
			"tcx DEV ingress|egress... | links\n");
	return 2;
}
