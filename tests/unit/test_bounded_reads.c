/* File reads never block or stream: FIFOs, devices, sockets and directories are refused at open,
 * and the textfile directory and subnet.env do not follow symlinks. Each test has a timeout: a
 * blocking open or a read of /dev/zero fails it instead of hanging the suite. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "expo.h"
#include "flags.h"
#include "fsutil.h"
#include "netinfo.h"

#define SECRET "secret_stand_in_for_etc_shadow 42\n"

struct tree {
	char dir[64];
	char outside[80]; /* a readable file outside the directory, as /etc/shadow would be */
};

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void join(char *out, size_t cap, const char *dir, const char *name)
{
	cr_assert_lt((size_t)snprintf(out, cap, "%s/%s", dir, name), cap);
}

static void make_tree(struct tree *t)
{
	int fd;

	strcpy(t->dir, "/tmp/np-bounded-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	strcpy(t->outside, "/tmp/np-bounded-secret-XXXXXX");
	fd = mkstemp(t->outside);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, SECRET, strlen(SECRET)), (ssize_t)strlen(SECRET));
	close(fd);
}

static void drop_tree(struct tree *t)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", t->dir, t->outside);
	cr_assert_eq(system(cmd), 0);
}

static double elapsed_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A FIFO with no writer blocks open(O_RDONLY); a char device streams forever. */
Test(bounded_reads, special_files_refused_at_once, .timeout = 10)
{
	struct tree t;
	char p[128];
	struct timespec t0;
	char *buf = (char *)1;
	size_t len = 7;
	int sock;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	make_tree(&t);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	join(p, sizeof(p), t.dir, "fifo");
	cr_assert_eq(mkfifo(p, 0600), 0);
	cr_expect_eq(fs__read_file(p, 1 << 20, &buf, &len), FS_ENOTREG);
	cr_expect_null(buf);
	cr_expect_eq(len, 0);
	cr_expect_eq(fs__read_rel(t.dir, "fifo", 1 << 20, &buf, NULL), FS_ENOTREG);
	cr_expect_eq(fs__read_file_flags(p, FS_NOFOLLOW, 1 << 20, &buf, NULL), FS_ENOTREG);
	{
		char line[16];

		cr_expect_eq(fs__read_line(p, line, sizeof(line)), FS_ENOTREG);
	}

	/* /dev/zero through a link, and a device node made here (as root) */
	join(p, sizeof(p), t.dir, "zero");
	cr_assert_eq(symlink("/dev/zero", p), 0);
	cr_expect_eq(fs__read_file(p, 1 << 20, &buf, NULL), FS_ENOTREG);
	cr_expect_eq(fs__read_file_flags(p, FS_NOFOLLOW, 1 << 20, &buf, NULL), -ELOOP);
	join(p, sizeof(p), t.dir, "null");
	cr_assert_eq(mknod(p, S_IFCHR | 0600, makedev(1, 3)), 0, "mknod: %s (run as root)",
		     strerror(errno));
	cr_expect_eq(fs__read_file(p, 1 << 20, &buf, NULL), FS_ENOTREG);

	join(p, sizeof(p), t.dir, "sock");
	strcpy(sa.sun_path, p);
	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(sock, 0);
	cr_assert_eq(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_expect_eq(fs__read_file(p, 1 << 20, &buf, NULL), -ENXIO); /* open() refuses sockets */
	close(sock);

	cr_expect_eq(fs__read_file(t.dir, 1 << 20, &buf, NULL), -EISDIR);
	cr_expect_null(buf);
	cr_expect_lt(elapsed_since(&t0), 1.0);

	cr_expect_str_eq(fs__strerror(FS_ENOTREG), "not a regular file");
	cr_expect_str_eq(fs__strerror(-ELOOP), "is a symbolic link, not followed");
	drop_tree(&t);
}

Test(bounded_reads, links_followed_only_without_nofollow, .timeout = 10)
{
	struct tree t;
	char p[128];
	char *buf = NULL;
	size_t len = 0;

	make_tree(&t);
	join(p, sizeof(p), t.dir, "link");
	cr_assert_eq(symlink(t.outside, p), 0);
	cr_expect_eq(fs__read_file_flags(p, FS_NOFOLLOW, 1 << 20, &buf, &len), -ELOOP);
	cr_expect_null(buf);
	/* Plain reads follow links: /sys is made of them, and os-release is one. */
	cr_assert_eq(fs__read_file(p, 1 << 20, &buf, &len), 0);
	cr_expect_eq(len, strlen(SECRET));
	free(buf);
	/* The size cap holds for regular files too. */
	cr_expect_eq(fs__read_file(t.outside, 8, &buf, &len), -EFBIG);
	drop_tree(&t);
}

/* procfs and sysfs files report st_size 0 and are still read whole. */
Test(bounded_reads, procfs_and_sysfs_still_read, .timeout = 10)
{
	char *buf = NULL;
	size_t len = 0;
	char line[64];

	cr_assert_eq(fs__read_file("/proc/self/status", 1 << 20, &buf, &len), 0);
	cr_expect_gt(len, 100);
	cr_expect_not_null(strstr(buf, "\nPid:"));
	free(buf);
	cr_assert_eq(
	    fs__read_line("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof(line)) == 0 ||
		fs__read_line("/sys/devices/system/cpu/online", line, sizeof(line)) == 0,
	    1);
	cr_expect_gt(strlen(line), 0);
}

static struct collector *textfile_on(const char *dir)
{
	static char flag[4096]; /* flags keep pointers into argv */
	char *argv[] = { "nodepath", flag, NULL };
	struct collector *c;

	snprintf(flag, sizeof(flag), "--collector.textfile.directory=%s", dir);
	registry__reset();
	cr_assert_eq(flags__parse(2, argv, stdout, stderr), 0);
	c = registry__find("textfile");
	cr_assert_not_null(c);
	return c;
}

/* A FIFO, a link to a file outside and a link to a device, all named *.prom: the scrape returns
 * at once with the good file's metric, the error flag, and nothing of the linked file. */
Test(bounded_reads, textfile_dir_with_fifo_and_links, .timeout = 10)
{
	struct tree t;
	char p[128];
	struct collector *c;
	struct expo_writer w;
	struct timespec t0;

	make_tree(&t);
	join(p, sizeof(p), t.dir, "a_fifo.prom");
	cr_assert_eq(mkfifo(p, 0600), 0);
	join(p, sizeof(p), t.dir, "b_shadow.prom");
	cr_assert_eq(symlink(t.outside, p), 0);
	join(p, sizeof(p), t.dir, "c_zero.prom");
	cr_assert_eq(symlink("/dev/zero", p), 0);
	join(p, sizeof(p), t.dir, "d_good.prom");
	put(p, "good_metric 7\n");

	c = textfile_on(t.dir);
	expo__init(&w);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(c->collect(&w), 0);
	cr_expect_lt(elapsed_since(&t0), 1.0);
	cr_expect_not_null(strstr(w.buf, "\ngood_metric 7\n"), "%s", w.buf);
	cr_expect_not_null(strstr(w.buf, "\nnode_textfile_scrape_error 1\n"), "%s", w.buf);
	cr_expect_null(strstr(w.buf, "secret_stand_in"), "%s", w.buf);
	cr_expect_null(strstr(w.buf, "a_fifo.prom"), "%s", w.buf);
	cr_expect_null(strstr(w.buf, "b_shadow.prom"), "%s", w.buf);
	expo__fini(&w);

	/* The same directory, once only good files remain, scrapes clean. */
	join(p, sizeof(p), t.dir, "a_fifo.prom");
	unlink(p);
	join(p, sizeof(p), t.dir, "b_shadow.prom");
	unlink(p);
	join(p, sizeof(p), t.dir, "c_zero.prom");
	unlink(p);
	expo__init(&w);
	cr_assert_eq(c->collect(&w), 0);
	cr_expect_not_null(strstr(w.buf, "\nnode_textfile_scrape_error 0\n"), "%s", w.buf);
	expo__fini(&w);
	registry__reset();
	drop_tree(&t);
}

/* An empty directory is no error (and sorts nothing). */
Test(bounded_reads, textfile_empty_dir, .timeout = 10)
{
	struct tree t;
	struct collector *c;
	struct expo_writer w;

	make_tree(&t);
	c = textfile_on(t.dir);
	expo__init(&w);
	cr_assert_eq(c->collect(&w), 0);
	cr_expect_str_eq(w.buf, "# HELP node_textfile_scrape_error 1 if there was an error opening "
				"or reading a file, 0 otherwise\n"
				"# TYPE node_textfile_scrape_error gauge\n"
				"node_textfile_scrape_error 0\n");
	expo__fini(&w);
	registry__reset();
	drop_tree(&t);
}

/* subnet.env as a FIFO, a device link and a link to a valid file elsewhere: refused, promptly. */
Test(bounded_reads, subnet_env_fifo_and_links, .timeout = 10)
{
	struct tree t;
	char p[128], elsewhere[128];
	struct flannel_subnet fs;
	struct timespec t0;

	make_tree(&t);
	join(p, sizeof(p), t.dir, "subnet.env");
	netinfo__set_path(p);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	cr_assert_eq(mkfifo(p, 0600), 0);
	cr_expect_eq(netinfo__get(&fs), -ENOENT);
	unlink(p);

	cr_assert_eq(symlink("/dev/zero", p), 0);
	cr_expect_eq(netinfo__get(&fs), -ENOENT);
	unlink(p);

	join(elsewhere, sizeof(elsewhere), t.dir, "real.env");
	put(elsewhere, "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n");
	cr_assert_eq(symlink(elsewhere, p), 0);
	cr_expect_eq(netinfo__get(&fs), -ENOENT);
	unlink(p);

	/* The same content as a regular file is served: the refusals above were the type. */
	cr_assert_eq(rename(elsewhere, p), 0);
	cr_expect_eq(netinfo__get(&fs), 0);
	cr_expect_lt(elapsed_since(&t0), 1.0);
	netinfo__set_path(NULL);
	drop_tree(&t);
}
